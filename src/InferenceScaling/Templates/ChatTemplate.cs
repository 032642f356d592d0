using System.Text.Json;
using InferenceScaling.Templates.Jinja;

namespace InferenceScaling.Templates;

/// <summary>
/// A model's chat template, rendered as Hugging Face transformers' <c>apply_chat_template</c> renders it (jinja2 with
/// <c>trim_blocks</c> and <c>lstrip_blocks</c>, <c>tojson</c> as <c>json.dumps(ensure_ascii=False)</c>,
/// <c>raise_exception</c>, <c>strftime_now</c>), with <c>messages</c>, <c>add_generation_prompt</c>, <c>tools</c>,
/// <c>documents</c> and the tokenizer's special tokens (<c>bos_token</c>, <c>eos_token</c>, <c>unk_token</c>,
/// <c>pad_token</c>) as variables. Immutable and thread-safe; parse once, render per request.
/// </summary>
/// <remarks>
/// Rendering is sandboxed: a template sees only strings, numbers, lists, dicts and the built-in functions, never a
/// .NET object; loops, macro recursion and output size are bounded (<see cref="TemplateErrorKind.Limit"/>).
/// </remarks>
public sealed class ChatTemplate
{
    /// <summary>The name transformers uses for the template it picks when no name is asked for.</summary>
    public const string DefaultName = "default";

    /// <summary>The named template transformers picks when tools are given.</summary>
    public const string ToolUseName = "tool_use";

    private readonly IReadOnlyDictionary<string, Template> _templates;
    private readonly IReadOnlyDictionary<string, string> _specialTokens;
    private readonly TimeProvider _clock;

    private ChatTemplate(IReadOnlyDictionary<string, Template> templates, IReadOnlyDictionary<string, string> specialTokens, string? origin, TimeProvider clock)
    {
        _templates = templates;
        _specialTokens = specialTokens;
        _clock = clock;
        Origin = origin;
        EndOfTurn = FindEndOfTurn();
    }

    /// <summary>The template names (<see cref="DefaultName"/> for a single template).</summary>
    public IReadOnlyCollection<string> Names => (IReadOnlyCollection<string>)_templates.Keys;

    /// <summary>The file the template was read from, when it was loaded from a folder.</summary>
    public string? Origin { get; }

    /// <summary>The <c>bos_token</c> the template sees, if the tokenizer has one.</summary>
    public string? BosToken => _specialTokens.GetValueOrDefault("bos_token");

    /// <summary>The <c>eos_token</c> the template sees, if the tokenizer has one.</summary>
    public string? EosToken => _specialTokens.GetValueOrDefault("eos_token");

    /// <summary>
    /// The text the template writes after an assistant turn (<c>&lt;|im_end|&gt;</c>, <c>&lt;|eot_id|&gt;</c>,
    /// <c>&lt;|end|&gt;</c>, or the EOS token), found by rendering a probe conversation; generation stops there.
    /// Null when the template shows none.
    /// </summary>
    public string? EndOfTurn { get; }

    /// <summary>The source of the named template.</summary>
    /// <exception cref="KeyNotFoundException">No template of that name.</exception>
    public string Source(string name = DefaultName) => _templates[name].Source;

    /// <summary>Parses one template.</summary>
    /// <param name="source">The Jinja source.</param>
    /// <param name="specialTokens">Variables such as <c>bos_token</c> and <c>eos_token</c>; null for none.</param>
    /// <param name="clock">The clock <c>strftime_now</c> reads (default: the system clock).</param>
    /// <exception cref="TemplateException">Invalid Jinja or an unsupported construct; line and column name it.</exception>
    public static ChatTemplate Parse(string source, IReadOnlyDictionary<string, string>? specialTokens = null, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        return new ChatTemplate(new Dictionary<string, Template> { [DefaultName] = Template.Parse(source) }, specialTokens ?? new Dictionary<string, string>(), null, clock ?? TimeProvider.System);
    }

    /// <summary>
    /// Loads the chat template of a model folder: <c>chat_template.jinja</c> if present, else
    /// <c>tokenizer_config.json</c>'s <c>chat_template</c> (a string, or a list of <c>{"name", "template"}</c>), with
    /// the special tokens from <c>tokenizer_config.json</c> (a string or an added-token object with <c>content</c>).
    /// </summary>
    /// <returns>The template, or null when the folder has none (the model then takes plain prompts).</returns>
    /// <exception cref="Runtime.ModelLoadException">A config file that cannot be read, or a template that does not parse; the message names the file and, for a template, its line and column.</exception>
    public static ChatTemplate? Load(string folder, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var configPath = Path.Combine(folder, "tokenizer_config.json");
        var jinjaPath = Path.Combine(folder, "chat_template.jinja");
        JsonElement? config = null;
        if (File.Exists(configPath))
        {
            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllBytes(configPath));
                config = doc.RootElement.Clone();
            }
            catch (JsonException ex) { throw new Runtime.ModelLoadException($"{configPath}: not valid JSON: {ex.Message}", ex); }
        }

        var special = new Dictionary<string, string>(StringComparer.Ordinal);
        if (config is { ValueKind: JsonValueKind.Object } c)
        {
            foreach (var name in (string[])["bos_token", "eos_token", "unk_token", "pad_token", "sep_token", "cls_token", "mask_token"])
                if (c.TryGetProperty(name, out var t) && TokenText(t) is { } text) special[name] = text;
        }

        var sources = new Dictionary<string, string>(StringComparer.Ordinal);
        string origin;
        if (File.Exists(jinjaPath))
        {
            sources[DefaultName] = File.ReadAllText(jinjaPath);
            origin = jinjaPath;
        }
        else if (config is { ValueKind: JsonValueKind.Object } cfg && cfg.TryGetProperty("chat_template", out var ct) && ct.ValueKind != JsonValueKind.Null)
        {
            origin = configPath;
            if (ct.ValueKind == JsonValueKind.String) sources[DefaultName] = ct.GetString()!;
            else if (ct.ValueKind == JsonValueKind.Array)
            {
                foreach (var entry in ct.EnumerateArray())
                {
                    if (entry.ValueKind != JsonValueKind.Object || !entry.TryGetProperty("name", out var n) || n.ValueKind != JsonValueKind.String
                        || !entry.TryGetProperty("template", out var tpl) || tpl.ValueKind != JsonValueKind.String)
                        throw new Runtime.ModelLoadException($"{configPath}: chat_template list entries must be {{\"name\": string, \"template\": string}}.");
                    sources[n.GetString()!] = tpl.GetString()!;
                }

                if (sources.Count == 0) throw new Runtime.ModelLoadException($"{configPath}: chat_template is an empty list.");
            }
            else throw new Runtime.ModelLoadException($"{configPath}: chat_template must be a string or a list of named templates, not {ct.ValueKind}.");
        }
        else return null;

        var templates = new Dictionary<string, Template>(StringComparer.Ordinal);
        foreach (var (name, source) in sources)
        {
            try { templates[name] = Template.Parse(source); }
            catch (TemplateException ex)
            {
                throw new Runtime.ModelLoadException($"{origin}: chat template '{name}': {ex.Message}", ex);
            }
        }

        return new ChatTemplate(templates, special, origin, clock ?? TimeProvider.System);
    }

    private static string? TokenText(JsonElement t) => t.ValueKind switch
    {
        JsonValueKind.String => t.GetString(),
        JsonValueKind.Object when t.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String => c.GetString(),
        _ => null,
    };

    /// <summary>Renders a conversation.</summary>
    /// <param name="messages">The turns, oldest first.</param>
    /// <param name="addGenerationPrompt">Whether to end with the header of an assistant turn, for the model to continue.</param>
    /// <param name="templateName">A named template (null: transformers' choice, <see cref="ToolUseName"/> when tools are given and it exists, else <see cref="DefaultName"/>).</param>
    /// <param name="tools">
    /// Tool definitions (a JSON array of JSON-schema function definitions, as <c>apply_chat_template(tools=...)</c> takes
    /// them), which a template such as Qwen2.5's writes into its system turn; null for none.
    /// </param>
    /// <exception cref="TemplateException">The template refused the conversation (<see cref="TemplateErrorKind.Raised"/>) or failed.</exception>
    public string Render(IReadOnlyList<ChatTurn> messages, bool addGenerationPrompt = true, string? templateName = null, JsonElement? tools = null)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var list = new List<object?>(messages.Count);
        foreach (var m in messages)
        {
            var d = new JinjaDict();
            d.Items["role"] = m.Role;
            d.Items["content"] = m.Content;
            list.Add(d);
        }

        return RenderValues(new JinjaList(list), addGenerationPrompt, ToolValue(tools), templateName);
    }

    /// <summary>
    /// Renders a conversation given as JSON, as OpenAI sends it: an array of message objects (<c>role</c>,
    /// <c>content</c>, and whatever else the template reads, such as <c>tool_calls</c>).
    /// </summary>
    /// <param name="messages">A JSON array of message objects.</param>
    /// <param name="addGenerationPrompt">Whether to end with the header of an assistant turn.</param>
    /// <param name="tools">Tool schemas (a JSON array), or null for none.</param>
    /// <param name="templateName">A named template; null picks <see cref="ToolUseName"/> when tools are given and it exists, else <see cref="DefaultName"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="messages"/> is not an array of objects.</exception>
    /// <exception cref="TemplateException">The template refused the conversation or failed.</exception>
    public string Render(JsonElement messages, bool addGenerationPrompt = true, JsonElement? tools = null, string? templateName = null)
    {
        if (messages.ValueKind != JsonValueKind.Array || messages.EnumerateArray().Any(m => m.ValueKind != JsonValueKind.Object))
            throw new ArgumentException("messages must be a JSON array of message objects.", nameof(messages));
        return RenderValues(JinjaValues.FromJson(messages), addGenerationPrompt, ToolValue(tools), templateName);
    }

    private static object? ToolValue(JsonElement? tools) =>
        tools is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) } t ? JinjaValues.FromJson(t) : null;

    /// <summary>Renders with the given variables added to (or replacing) the standard ones; for tests and tools.</summary>
    internal string RenderValues(object? messages, bool addGenerationPrompt, object? tools, string? templateName, IReadOnlyDictionary<string, object?>? extra = null, Dialect dialect = Dialect.Python)
    {
        var template = Pick(templateName, tools is not null);
        var variables = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["messages"] = messages,
            ["tools"] = tools,
            ["documents"] = null,
            ["add_generation_prompt"] = addGenerationPrompt,
        };
        foreach (var (k, v) in _specialTokens) variables[k] = v;
        if (extra is not null) foreach (var (k, v) in extra) variables[k] = v;
        return template.Render(variables, dialect, clock: _clock);
    }

    private Template Pick(string? name, bool hasTools)
    {
        if (name is not null)
            return _templates.TryGetValue(name, out var named) ? named : throw new KeyNotFoundException($"The model has no chat template named '{name}' (it has: {string.Join(", ", _templates.Keys)}).");
        if (hasTools && _templates.TryGetValue(ToolUseName, out var toolUse)) return toolUse;
        if (_templates.TryGetValue(DefaultName, out var d)) return d;
        if (_templates.Count == 1) return _templates.Values.First();
        throw new KeyNotFoundException($"The model has several chat templates and none named '{DefaultName}' (it has: {string.Join(", ", _templates.Keys)}).");
    }

    /// <summary>Renders user/assistant probes and reads what follows the assistant's text up to the next whitespace.</summary>
    private string? FindEndOfTurn()
    {
        const string marker = "\u2063probe-answer\u2063";
        try
        {
            var text = Render([ChatTurn.User("\u2063probe-question\u2063"), ChatTurn.Assistant(marker)], addGenerationPrompt: false);
            var at = text.IndexOf(marker, StringComparison.Ordinal);
            if (at >= 0)
            {
                var rest = text[(at + marker.Length)..];
                var end = 0;
                while (end < rest.Length && !char.IsWhiteSpace(rest[end])) end++;
                if (end > 0) return rest[..end];
            }
        }
        catch (TemplateException) { }
        catch (KeyNotFoundException) { }

        return EosToken;
    }
}
