using System.Text.Json;
using System.Text.RegularExpressions;

namespace InferenceScaling.Tools;

/// <summary>
/// One tool of a prompt set (an entry of <c>tools</c> in <c>prompt-set.json</c>): when a trace's text comes to end with
/// <see cref="End"/> and its tail matches <see cref="Pattern"/>, the tool runs on the pattern's <c>expression</c> group
/// and its answer, written through <see cref="ResultTemplate"/> (or <see cref="ErrorTemplate"/>), is injected into that
/// trace. The call's form is data: the shipped model's steps (<c>521+9=</c> → <c>530.</c>) and an instruct model's
/// <c>&lt;tool_call&gt;…&lt;/tool_call&gt;</c> → <c>&lt;tool_response&gt;…&lt;/tool_response&gt;</c> are two entries, not two code paths.
/// </summary>
internal sealed record ToolTrigger
{
    /// <summary>The entry's name, as <c>--tools</c> names it (e.g. <c>calc</c>).</summary>
    public required string Name { get; init; }

    /// <summary>The tool that answers (<c>calculator</c>, the one tool there is).</summary>
    public required string Tool { get; init; }

    /// <summary>
    /// Text a call ends with (<c>=</c>, <c>&lt;/tool_call&gt;</c>). Only a token whose text ends with its last character
    /// makes the trigger look at the trace at all, so the check costs one table lookup per token.
    /// </summary>
    public required string End { get; init; }

    /// <summary>
    /// How the pattern's <c>expression</c> group is read (<c>call</c> in the entry): <c>expression</c> (the default) takes
    /// it as the calculator's expression; <c>json</c> takes it as a JSON tool call in the chat-template form,
    /// <c>{"name": "calculator", "arguments": {"expression": "…"}}</c> (<c>arguments</c> may also be a JSON string, as
    /// OpenAI sends it), and malformed JSON, another tool's name or a missing <c>expression</c> is answered with the error
    /// text, as a bad expression is.
    /// </summary>
    public string Call { get; init; } = ExpressionCall;

    /// <summary>The <see cref="Call"/> that reads the group as the expression itself.</summary>
    public const string ExpressionCall = "expression";

    /// <summary>The <see cref="Call"/> that reads the group as a JSON tool call.</summary>
    public const string JsonCall = "json";

    /// <summary>
    /// Pattern the trace's tail (the last <see cref="Lookback"/> characters, ending with <see cref="End"/>) must match at its
    /// end, with a group <c>expression</c> holding the tool's argument.
    /// </summary>
    public required Regex Pattern { get; init; }

    /// <summary>What is injected for a value, with a <c>{value}</c> placeholder (e.g. <c>{value}.</c>).</summary>
    public required string ResultTemplate { get; init; }

    /// <summary>What is injected when the tool refuses, with an <c>{error}</c> placeholder. Default <c>error: {error}</c>.</summary>
    public string ErrorTemplate { get; init; } = "error: {error}";

    /// <summary>Characters of the trace's tail the pattern sees (a call longer than this is not read). Default 256.</summary>
    public int Lookback { get; init; } = 256;

    /// <summary>
    /// The tool's declaration as JSON (for a chat template's <c>tools</c> list: name, description, parameters), when the
    /// entry has a <c>definition</c>; null otherwise. The engine does not read it.
    /// </summary>
    public string? Definition { get; init; }

    /// <summary>The tools this engine can run.</summary>
    public static IReadOnlyList<string> KnownTools { get; } = ["calculator"];

    /// <summary>Reads entry <paramref name="name"/> of a prompt set's <c>tools</c> object.</summary>
    /// <param name="name">The entry's key.</param>
    /// <param name="entry">Its JSON object.</param>
    /// <param name="path">The file, for error messages.</param>
    /// <exception cref="InvalidDataException">A missing or bad field; the message names the file, the entry and the field.</exception>
    public static ToolTrigger FromJson(string name, JsonElement entry, string path)
    {
        ArgumentNullException.ThrowIfNull(name);
        var at = $"{path}: tools.{name}";
        if (entry.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{at} must be an object.");

        string Field(string field, bool required = true)
        {
            if (entry.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s) return s;
            if (required || entry.TryGetProperty(field, out _)) throw new InvalidDataException($"{at}.{field} is missing or not a non-empty string.");
            return "";
        }

        var tool = Field("tool");
        if (!KnownTools.Contains(tool)) throw new InvalidDataException($"{at}.tool: unknown tool '{tool}' (known: {string.Join(", ", KnownTools)}).");
        Regex pattern;
        try { pattern = new Regex(Field("pattern"), RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100)); }
        catch (ArgumentException ex) { throw new InvalidDataException($"{at}.pattern is not a valid pattern: {ex.Message}", ex); }
        if (pattern.GroupNumberFromName("expression") < 0) throw new InvalidDataException($"{at}.pattern has no 'expression' group.");
        var result = Field("result");
        if (!result.Contains("{value}", StringComparison.Ordinal)) throw new InvalidDataException($"{at}.result has no {{value}} placeholder.");
        var error = Field("error", required: false);
        if (error.Length > 0 && !error.Contains("{error}", StringComparison.Ordinal)) throw new InvalidDataException($"{at}.error has no {{error}} placeholder.");
        var lookback = 256;
        if (entry.TryGetProperty("lookback", out var lb) && (lb.ValueKind != JsonValueKind.Number || !lb.TryGetInt32(out lookback) || lookback < 1 || lookback > 4096))
            throw new InvalidDataException($"{at}.lookback must be an integer in [1, 4096].");
        var definition = entry.TryGetProperty("definition", out var d) ? d.GetRawText() : null;
        if (definition is not null && d.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{at}.definition must be an object (a JSON-schema function definition).");
        var call = entry.TryGetProperty("call", out _) ? Field("call") : ExpressionCall;
        if (call is not (ExpressionCall or JsonCall)) throw new InvalidDataException($"{at}.call must be '{ExpressionCall}' or '{JsonCall}' (was '{call}').");

        var trigger = new ToolTrigger
        {
            Name = name,
            Tool = tool,
            End = Field("end"),
            Pattern = pattern,
            ResultTemplate = result,
            Lookback = lookback,
            Definition = definition,
            Call = call,
        };
        return error.Length > 0 ? trigger with { ErrorTemplate = error } : trigger;
    }

    /// <summary>
    /// The function name a JSON call must give: the definition's <c>function.name</c> (or <c>name</c>), else
    /// <see cref="Tool"/>.
    /// </summary>
    internal string FunctionName
    {
        get
        {
            if (Definition is null) return Tool;
            using var doc = JsonDocument.Parse(Definition);
            var root = doc.RootElement;
            if (root.TryGetProperty("function", out var f) && f.ValueKind == JsonValueKind.Object) root = f;
            return root.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : Tool;
        }
    }

    /// <summary>
    /// Runs the call the pattern matched: reads the expression from <paramref name="matched"/> (the
    /// <c>expression</c> group) as <see cref="Call"/> says and evaluates it. Never throws for what a model wrote.
    /// </summary>
    /// <returns>The expression as read (the raw text when it could not be read) and the tool's answer.</returns>
    internal (string Expression, CalculatorResult Result) Run(string matched, Calculator calculator, string functionName)
    {
        if (Call == ExpressionCall) return (matched, calculator.Evaluate(matched));
        var raw = matched.Trim();
        return TryReadJsonCall(raw, functionName, out var expression, out var error)
            ? (expression, calculator.Evaluate(expression))
            : (raw, new CalculatorResult(true, error));
    }

    private static readonly JsonDocumentOptions CallJson = new() { MaxDepth = 8 };

    private static bool TryReadJsonCall(string raw, string functionName, out string expression, out string error)
    {
        expression = "";
        error = "";
        try
        {
            using var doc = JsonDocument.Parse(raw, CallJson);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return Fail("a tool call must be a JSON object", out error);
            if (!root.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String) return Fail("the tool call has no \"name\"", out error);
            if (name.GetString() != functionName) return Fail($"unknown tool '{name.GetString()}' (the tool is '{functionName}')", out error);
            if (!root.TryGetProperty("arguments", out var arguments)) return Fail("the tool call has no \"arguments\"", out error);
            if (arguments.ValueKind == JsonValueKind.String)
            {
                // OpenAI's form: the arguments object serialized as a string.
                using var inner = JsonDocument.Parse(arguments.GetString()!, CallJson);
                return ReadExpression(inner.RootElement, out expression, out error);
            }

            return ReadExpression(arguments, out expression, out error);
        }
        catch (JsonException ex)
        {
            return Fail($"malformed tool call: not valid JSON (at character {(ex.BytePositionInLine ?? 0) + 1})", out error);
        }
    }

    private static bool ReadExpression(JsonElement arguments, out string expression, out string error)
    {
        expression = "";
        if (arguments.ValueKind != JsonValueKind.Object || !arguments.TryGetProperty("expression", out var e) || e.ValueKind != JsonValueKind.String)
            return Fail("the tool call's arguments have no \"expression\" string", out error);
        expression = e.GetString()!;
        error = "";
        return true;
    }

    private static bool Fail(string message, out string error)
    {
        error = message;
        return false;
    }

    /// <summary>The text injected for a tool's answer.</summary>
    public string Render(CalculatorResult result) => result.IsError
        ? ErrorTemplate.Replace("{error}", result.Text, StringComparison.Ordinal)
        : ResultTemplate.Replace("{value}", result.Text, StringComparison.Ordinal);
}
