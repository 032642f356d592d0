using System.Text.Json;
using System.Text.RegularExpressions;
using InferenceScaling.Templates;
using InferenceScaling.Tools;

namespace InferenceScaling.Prompts;

/// <summary>
/// A model's prompt templates (solve, critique, revise) and how its critiques state a verdict, loaded from a folder
/// under <c>prompts/</c> described by <c>prompt-set.json</c>. Immutable and thread-safe.
/// </summary>
/// <remarks>
/// Bound to a model's chat template (<see cref="WithChatTemplate"/>, or <see cref="ForModel"/>), every prompt it
/// makes is a conversation rendered through that template: the set's <see cref="SystemPrompt"/> (or the system turn
/// of <see cref="History"/>), the earlier turns, then the filled-in template text as the user's turn, ending with the
/// assistant header (<c>add_generation_prompt</c>). Without one, prompts are the plain text, as before.
/// </remarks>
public sealed class PromptSet
{
    private PromptSet(string name, string solve, string critique, string revise, string verdictCorrect, Regex verdictWrong, IReadOnlyList<string> stop, string folder)
    {
        Name = name;
        SolveTemplate = solve;
        CritiqueTemplate = critique;
        ReviseTemplate = revise;
        VerdictCorrect = verdictCorrect;
        VerdictWrong = verdictWrong;
        _stop = stop;
        Folder = folder;
    }

    /// <summary>The set's name (its folder name).</summary>
    public string Name { get; }

    /// <summary>The folder it was loaded from.</summary>
    public string Folder { get; }

    /// <summary>Solve template (<c>{question}</c>).</summary>
    public string SolveTemplate { get; }

    /// <summary>Critique template (<c>{question}</c>, <c>{solution}</c>).</summary>
    public string CritiqueTemplate { get; }

    /// <summary>Revise template (<c>{question}</c>, <c>{solution}</c>, <c>{critique}</c>).</summary>
    public string ReviseTemplate { get; }

    /// <summary>Text a critique ends with when it finds no error.</summary>
    public string VerdictCorrect { get; }

    /// <summary>Pattern of a "wrong" verdict; its first group, when present, is the faulty step.</summary>
    public Regex VerdictWrong { get; }

    /// <summary>
    /// Stop strings for every generation with this set; with a chat template, its end-of-turn text
    /// (<see cref="Templates.ChatTemplate.EndOfTurn"/>) too.
    /// </summary>
    public IReadOnlyList<string> StopStrings => ChatTemplate?.EndOfTurn is { } eot && !_stop.Contains(eot) ? [.. _stop, eot] : _stop;

    private readonly IReadOnlyList<string> _stop;

    /// <summary>
    /// The system message sent first when prompts go through a chat template (<c>system</c> in
    /// <c>prompt-set.json</c>); null for none. Plain prompts do not use it.
    /// </summary>
    public string? SystemPrompt { get; private init; }

    /// <summary>The chat template prompts are rendered through; null for plain prompts.</summary>
    public ChatTemplate? ChatTemplate { get; private init; }

    /// <summary>
    /// Earlier turns of the conversation a question came in (system and history), placed before the user's turn when
    /// prompts go through a chat template; empty by default. A system turn here replaces <see cref="SystemPrompt"/>.
    /// </summary>
    public IReadOnlyList<ChatTurn> History { get; private init; } = [];

    /// <summary>This set with its prompts rendered through <paramref name="template"/>.</summary>
    public PromptSet WithChatTemplate(ChatTemplate template)
    {
        ArgumentNullException.ThrowIfNull(template);
        return Copy(template, History);
    }

    /// <summary>
    /// The definitions of the tools prompts are rendered with (a JSON array of the <see cref="ToolTrigger.Definition"/>s
    /// of <see cref="WithTools"/>'s tool set), passed to the chat template as <c>tools</c>; null (default) for none.
    /// </summary>
    public JsonElement? ToolDefinitions { get; private set; }

    /// <summary>
    /// This set with its prompts telling the model about <paramref name="tools"/>: with a chat template, the tools'
    /// definitions go to it as <c>tools</c> (as <c>apply_chat_template(tools=...)</c> passes them; Qwen2.5's template
    /// then writes its "# Tools" system block). Null, or tools without definitions: this set without tools.
    /// </summary>
    public PromptSet WithTools(ToolSet? tools)
    {
        var definitions = new List<string>();
        if (tools is not null)
            foreach (var trigger in tools.Triggers)
                if (trigger.Definition is { } d && !definitions.Contains(d)) definitions.Add(d);
        JsonElement? array = null;
        if (definitions.Count > 0)
        {
            using var doc = JsonDocument.Parse("[" + string.Join(",", definitions) + "]");
            array = doc.RootElement.Clone();
        }

        // Set on the fresh copy before anyone sees it: the set stays immutable.
        var copy = Copy(ChatTemplate, History);
        copy.ToolDefinitions = array;
        return copy;
    }

    /// <summary>This set with <paramref name="history"/> before every user turn (chat-template prompts only).</summary>
    public PromptSet WithHistory(IReadOnlyList<ChatTurn> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        return Copy(ChatTemplate, [.. history]);
    }

    private PromptSet Copy(ChatTemplate? template, IReadOnlyList<ChatTurn> history) =>
        new(Name, SolveTemplate, CritiqueTemplate, ReviseTemplate, VerdictCorrect, VerdictWrong, _stop, Folder)
        {
            StepJudgements = StepJudgements,
            StepPattern = StepPattern,
            CalcTemplate = CalcTemplate,
            CalcResultTemplate = CalcResultTemplate,
            SystemPrompt = SystemPrompt,
            ChatTemplate = template,
            History = history,
            Tools = Tools,
            MaxNewTokens = MaxNewTokens,
            StepWordContext = StepWordContext,
            Checking = Checking,
            ToolDefinitions = ToolDefinitions,
        };

    /// <summary>
    /// The prompt for a filled-in template text: the text itself, or with a chat template the conversation
    /// (system, history, this text as the user's turn) rendered with the assistant header at the end.
    /// </summary>
    /// <exception cref="TemplateException">The chat template refused the conversation.</exception>
    public string AsPrompt(string userText)
    {
        ArgumentNullException.ThrowIfNull(userText);
        if (ChatTemplate is null) return userText;
        var turns = new List<ChatTurn>(History.Count + 2);
        if (SystemPrompt is { } system && !History.Any(t => t.Role == "system")) turns.Add(ChatTurn.System(system));
        turns.AddRange(History);
        turns.Add(ChatTurn.User(userText));
        return ChatTemplate.Render(turns, addGenerationPrompt: true, tools: ToolDefinitions);
    }

    /// <summary>
    /// The prompt set for a model: with a chat template (<see cref="Runtime.DecoderModel.ChatTemplate"/>) the named set, or
    /// <c>instruct-math</c> when none is named, bound to that template; without one the named set, or <c>chat</c>, as
    /// plain text.
    /// </summary>
    /// <param name="model">The loaded model.</param>
    /// <param name="name">A set named by the user; null for the folder's <c>inference_scaling.json</c> choice or the default.</param>
    /// <param name="promptsRoot">Where prompt sets live; null to search beside and above the application.</param>
    public static PromptSet ForModel(Runtime.DecoderModel model, string? name = null, string? promptsRoot = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        return For(model.ChatTemplate, name ?? model.PromptSet, promptsRoot);
    }

    /// <summary>As <see cref="ForModel"/>, from a chat template (null for none) and a set name.</summary>
    public static PromptSet For(ChatTemplate? template, string? name, string? promptsRoot = null) =>
        template is null ? Find(name ?? "chat", promptsRoot) : Find(name ?? InstructSetName, promptsRoot).WithChatTemplate(template);

    /// <summary>The prompt set for models with a chat template when none is named.</summary>
    public const string InstructSetName = "instruct-math";

    /// <summary>
    /// The words a critique writes after each step it re-checks (<c>step_ok</c> / <c>step_wrong</c> in
    /// <c>prompt-set.json</c>, e.g. <c> ok</c> / <c> wrong</c>), when the format has them; null otherwise. They let a
    /// check be scored step by step (<see cref="Verification.CheckOptions.StepTokens"/>).
    /// </summary>
    public (string Ok, string Wrong)? StepJudgements { get; private init; }

    /// <summary>
    /// The pattern of one solution step (<c>step_pattern</c> in <c>prompt-set.json</c>, e.g. arith's
    /// <c>\d+[-+*/]\d+=\d+</c>) when the format has countable steps; null otherwise. It lets a check's verdict be
    /// taken by recomputation (<see cref="Verification.CheckOptions.Recompute"/>).
    /// </summary>
    public Regex? StepPattern { get; private init; }

    /// <summary>
    /// The prompt that asks the model for one calculation on its own (<c>calc_prompt</c> in <c>prompt-set.json</c>,
    /// with an <c>{expression}</c> placeholder, e.g. arith's <c>Calc: {expression}=</c>), when the model has that
    /// skill; null otherwise. With <see cref="CalcResultTemplate"/> and a <see cref="StepPattern"/> that names its
    /// groups <c>left</c>, <c>op</c>, <c>right</c> and <c>result</c>, it lets solutions be checked step by step
    /// (<c>StepScoreChecker</c>).
    /// </summary>
    public string? CalcTemplate { get; private init; }

    /// <summary>
    /// How the model writes a calculation's result after <see cref="CalcTemplate"/> (<c>calc_result</c>, with a
    /// <c>{value}</c> placeholder, e.g. arith's <c>{value}.</c>); null when there is no calc prompt.
    /// </summary>
    public string? CalcResultTemplate { get; private init; }

    /// <summary>
    /// The tools the set declares (<c>tools</c> in <c>prompt-set.json</c>), by name (e.g. <c>calc</c>); empty when none.
    /// Each says how a call looks in this format and how the answer is written back (<see cref="ToolTrigger"/>).
    /// </summary>
    internal IReadOnlyDictionary<string, ToolTrigger> Tools { get; private init; } = new Dictionary<string, ToolTrigger>();

    /// <summary>The names of the tools the set declares (what <c>--tools</c> and <see cref="ToolSet.FromPromptSet(PromptSet, IEnumerable{string}, Tokenization.ModelTokenizer, int)"/> take); empty when none.</summary>
    public IReadOnlyCollection<string> ToolNames => (IReadOnlyCollection<string>)Tools.Keys;

    /// <summary>
    /// The most tokens a solution in this format needs (<c>max_new_tokens</c> in <c>prompt-set.json</c>), or null to
    /// leave the cap to the model folder (its <c>generation_config.json</c>, else the context). The solver builder's
    /// default new-token cap is this, cut to what the model's context leaves.
    /// </summary>
    public int? MaxNewTokens { get; private init; }

    /// <summary>
    /// The text a step judgement word (<see cref="StepJudgements"/>) follows in a check (<c>step_word_context</c>,
    /// e.g. arith's <c>=1</c>: a step's result), so the word's first token is tokenized as the model sees it there.
    /// Empty when not given.
    /// </summary>
    public string StepWordContext { get; private init; } = "";

    /// <summary>What the set says about checking (<c>checking</c> in <c>prompt-set.json</c>); <see cref="CheckingProfile.Default"/> without one.</summary>
    public CheckingProfile Checking { get; private init; } = CheckingProfile.Default;

    /// <summary>True when the set can check a solution step by step: a calc prompt and a step pattern with named groups.</summary>
    public bool HasStepChecks => CalcTemplate is not null && CalcResultTemplate is not null && StepPattern is not null;

    /// <summary>The calc prompt for <paramref name="expression"/> (e.g. <c>46-36</c>).</summary>
    /// <exception cref="InvalidOperationException">The set has no calc prompt.</exception>
    public string Calc(string expression) =>
        (CalcTemplate ?? throw new InvalidOperationException($"Prompt set '{Name}' has no calc_prompt.")).Replace("{expression}", expression, StringComparison.Ordinal);

    /// <summary>The calc result as the model writes it, for <paramref name="value"/>.</summary>
    /// <exception cref="InvalidOperationException">The set has no calc result template.</exception>
    public string CalcResult(string value) =>
        (CalcResultTemplate ?? throw new InvalidOperationException($"Prompt set '{Name}' has no calc_result.")).Replace("{value}", value, StringComparison.Ordinal);

    /// <summary><paramref name="sampling"/> with this set's stop strings added to its own (unchanged when the set has none).</summary>
    public Sampling.SamplingOptions WithStopStrings(Sampling.SamplingOptions sampling)
    {
        ArgumentNullException.ThrowIfNull(sampling);
        return StopStrings.Count == 0 ? sampling : sampling with { StopStrings = [.. sampling.StopStrings, .. StopStrings] };
    }

    /// <summary>The solve prompt for a question.</summary>
    public string Solve(string question) => AsPrompt(SolveTemplate.Replace("{question}", question, StringComparison.Ordinal));

    /// <summary>The critique prompt for a question and a candidate solution.</summary>
    public string Critique(string question, string solution) =>
        AsPrompt(CritiqueTemplate.Replace("{question}", question, StringComparison.Ordinal).Replace("{solution}", solution, StringComparison.Ordinal));

    /// <summary>The revise prompt for a question, a solution and its critique.</summary>
    public string Revise(string question, string solution, string critique) =>
        AsPrompt(ReviseTemplate.Replace("{question}", question, StringComparison.Ordinal)
            .Replace("{solution}", solution, StringComparison.Ordinal)
            .Replace("{critique}", critique, StringComparison.Ordinal));

    /// <summary>Loads the set in <paramref name="folder"/> (which holds <c>prompt-set.json</c>).</summary>
    /// <exception cref="InvalidDataException">A missing file or field, or a bad pattern; the message names it.</exception>
    public static PromptSet Load(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var path = Path.Combine(folder, "prompt-set.json");
        if (!File.Exists(path)) throw new InvalidDataException($"{path}: prompt set description not found.");
        JsonElement root;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            root = doc.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path}: not valid JSON: {ex.Message}", ex);
        }

        string Field(string name) => root.TryGetProperty(name, out var v) && v.GetString() is { Length: > 0 } s
            ? s
            : throw new InvalidDataException($"{path}: missing field '{name}'.");

        string Template(string field)
        {
            var file = Path.Combine(folder, Field(field));
            if (!File.Exists(file)) throw new InvalidDataException($"{path}: {field} template '{file}' not found.");
            var text = File.ReadAllText(file);
            // Editors add a final newline; templates must be able to end exactly where the model continues.
            if (text.EndsWith('\n')) text = text[..^1];
            return text;
        }

        Regex wrong;
        try { wrong = new Regex(Field("verdict_wrong"), RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)); }
        catch (ArgumentException ex) { throw new InvalidDataException($"{path}: verdict_wrong is not a valid pattern: {ex.Message}", ex); }

        var stop = root.TryGetProperty("stop", out var s) && s.ValueKind == JsonValueKind.Array
            ? s.EnumerateArray().Select(x => x.GetString() ?? "").Where(x => x.Length > 0).ToArray()
            : [];
        var name = root.TryGetProperty("name", out var n) && n.GetString() is { } nn ? nn : Path.GetFileName(Path.GetFullPath(folder));
        var hasOk = root.TryGetProperty("step_ok", out _);
        if (hasOk != root.TryGetProperty("step_wrong", out _)) throw new InvalidDataException($"{path}: step_ok and step_wrong go together (one is missing).");
        Regex? stepPattern = null;
        if (root.TryGetProperty("step_pattern", out _))
        {
            try { stepPattern = new Regex(Field("step_pattern"), RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)); }
            catch (ArgumentException ex) { throw new InvalidDataException($"{path}: step_pattern is not a valid pattern: {ex.Message}", ex); }
        }

        var hasCalc = root.TryGetProperty("calc_prompt", out _);
        if (hasCalc != root.TryGetProperty("calc_result", out _)) throw new InvalidDataException($"{path}: calc_prompt and calc_result go together (one is missing).");
        if (hasCalc)
        {
            if (!Field("calc_prompt").Contains("{expression}", StringComparison.Ordinal)) throw new InvalidDataException($"{path}: calc_prompt has no {{expression}} placeholder.");
            if (!Field("calc_result").Contains("{value}", StringComparison.Ordinal)) throw new InvalidDataException($"{path}: calc_result has no {{value}} placeholder.");
            if (stepPattern is null) throw new InvalidDataException($"{path}: calc_prompt needs a step_pattern to read the steps it checks.");
            foreach (var group in (string[])["left", "op", "right", "result"])
                if (stepPattern.GroupNumberFromName(group) < 0)
                    throw new InvalidDataException($"{path}: step_pattern must name the groups left, op, right and result for calc_prompt (no '{group}' group).");
        }

        var tools = new Dictionary<string, ToolTrigger>(StringComparer.Ordinal);
        if (root.TryGetProperty("tools", out var toolsElement))
        {
            if (toolsElement.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{path}: tools must be an object (name → tool).");
            foreach (var t in toolsElement.EnumerateObject()) tools[t.Name] = ToolTrigger.FromJson(t.Name, t.Value, path);
        }

        int? maxNewTokens = null;
        if (root.TryGetProperty("max_new_tokens", out var cap))
            maxNewTokens = cap.ValueKind == JsonValueKind.Number && cap.TryGetInt32(out var c) && c >= 1 ? c : throw new InvalidDataException($"{path}: max_new_tokens must be a whole number ≥ 1.");
        var stepContext = root.TryGetProperty("step_word_context", out var sc)
            ? sc.ValueKind == JsonValueKind.String ? sc.GetString()! : throw new InvalidDataException($"{path}: step_word_context must be a string.")
            : "";
        var checking = root.TryGetProperty("checking", out var ch) ? CheckingProfile.Parse(ch, path) : CheckingProfile.Default;

        return new PromptSet(name, Template("solve"), Template("critique"), Template("revise"), Field("verdict_correct"), wrong, stop, Path.GetFullPath(folder))
        {
            StepJudgements = hasOk ? (Field("step_ok"), Field("step_wrong")) : null,
            StepPattern = stepPattern,
            CalcTemplate = hasCalc ? Field("calc_prompt") : null,
            CalcResultTemplate = hasCalc ? Field("calc_result") : null,
            SystemPrompt = root.TryGetProperty("system", out var system) && system.ValueKind == JsonValueKind.String && system.GetString() is { Length: > 0 } sp ? sp : null,
            Tools = tools,
            MaxNewTokens = maxNewTokens,
            StepWordContext = stepContext,
            Checking = checking,
        };
    }

    /// <summary>
    /// Finds the prompt set <paramref name="name"/> (default <c>chat</c>) under a <c>prompts/</c> folder beside the
    /// application or above it.
    /// </summary>
    public static PromptSet Find(string? name, string? promptsRoot = null)
    {
        name ??= "chat";
        if (promptsRoot is not null) return Load(Path.Combine(promptsRoot, name));
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "prompts", name);
            if (File.Exists(Path.Combine(candidate, "prompt-set.json"))) return Load(candidate);
        }

        throw new InvalidDataException($"Prompt set '{name}' not found in a prompts/ folder beside or above {AppContext.BaseDirectory}.");
    }
}
