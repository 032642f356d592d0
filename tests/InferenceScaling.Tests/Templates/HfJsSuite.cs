using System.Text.Json;
using InferenceScaling.Templates;
using InferenceScaling.Templates.Jinja;

namespace InferenceScaling.Tests.Templates;

/// <summary>The huggingface.js Jinja suites as data (Data/convert-hfjs.mjs wrote them) and the cases known to fail.</summary>
internal static class HfJsSuite
{
    public static string DataFolder => Path.Combine(RepoPaths.Root, "tests", "InferenceScaling.Tests", "Templates", "Data");

    private static readonly Lazy<JsonElement> Templates = new(() => Read("hfjs-templates.json"));
    private static readonly Lazy<JsonElement> EndToEnd = new(() => Read("hfjs-e2e.json"));
    private static readonly Lazy<JsonElement> ExpectedErrors = new(() => Read("expected-errors.json"));

    private static JsonElement Read(string file)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(DataFolder, file)));
        return doc.RootElement.Clone();
    }

    public static IEnumerable<JsonElement> Cases(string suite) =>
        (suite == "templates" ? Templates.Value : EndToEnd.Value).GetProperty("cases").EnumerateArray();

    public static IEnumerable<JsonElement> ErrorCases() => Templates.Value.GetProperty("errors").EnumerateArray();

    public static JsonElement Case(string suite, string name) => Cases(suite).Single(c => c.GetProperty("name").GetString() == name);

    public static JsonElement ErrorCase(string name) => ErrorCases().Single(c => c.GetProperty("name").GetString() == name);

    public static TemplateErrorKind? ExpectedError(string suite, string name) =>
        ExpectedErrors.Value.GetProperty(suite).TryGetProperty(name, out var kind) ? Enum.Parse<TemplateErrorKind>(kind.GetString()!) : null;

    public static IEnumerable<string> KnownFailures(string suite) =>
        ExpectedErrors.Value.GetProperty(suite).EnumerateObject().Select(p => p.Name);

    /// <summary>The case's context as template variables; <c>{"$function": name}</c> becomes the host function the JS table had.</summary>
    public static Dictionary<string, object?> Context(JsonElement testCase)
    {
        var variables = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var p in testCase.GetProperty("context").EnumerateObject()) variables[p.Name] = Value(p.Value);
        return variables;
    }

    private static object? Value(JsonElement e)
    {
        if (e.ValueKind == JsonValueKind.Object && e.TryGetProperty("$function", out var fn)) return Function(fn.GetString()!);
        if (e.ValueKind == JsonValueKind.Object)
        {
            var d = new JinjaDict();
            foreach (var p in e.EnumerateObject()) d.Items[p.Name] = Value(p.Value);
            return d;
        }

        if (e.ValueKind == JsonValueKind.Array) return new JinjaList([.. e.EnumerateArray().Select(Value)]);
        return JinjaValues.FromJson(e);
    }

    private static JinjaCallable Function(string name) => name switch
    {
        "add" => new(name, (it, a) => Operators.Binary(it, "+", a.Positional[0], a.Positional[1])),
        "count_args" => new(name, (_, a) => (long)a.Positional.Count),
        "join" => new(name, (it, a) => string.Concat(a.Positional.Select(x => Format.Str(x, it.Dialect)))),
        "join_underscore" => new(name, (it, a) => string.Join("_", a.Positional.Select(x => Format.Str(x, it.Dialect)))),
        "noop" => new(name, (_, _) => Undefined.Instance),
        _ => throw new InvalidOperationException($"unknown context function '{name}'"),
    };
}
