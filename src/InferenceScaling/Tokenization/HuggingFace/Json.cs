using System.Text.Json;
using InferenceScaling.Runtime;

namespace InferenceScaling.Tokenization.HuggingFace;

/// <summary>Reading tokenizer.json components, and refusing the ones this loader does not implement.</summary>
internal static class Json
{
    public static string? Type(JsonElement e) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;

    public static bool Bool(JsonElement e, string name, bool fallback) =>
        e.TryGetProperty(name, out var v) ? v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => fallback,
        } : fallback;

    public static string? String(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    public static int Int(JsonElement e, string name, int fallback) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : fallback;

    public static bool IsNull(JsonElement e) => e.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined;

    /// <summary>The array property <paramref name="name"/>, or a load error naming the component.</summary>
    public static JsonElement.ArrayEnumerator Array(JsonElement e, string name, string path, string component)
    {
        if (!e.TryGetProperty(name, out var v) || v.ValueKind != JsonValueKind.Array)
            throw new ModelLoadException($"{path}: {component} has no '{name}' list.");
        return v.EnumerateArray();
    }

    /// <summary>A <c>{"String": s}</c> or <c>{"Regex": r}</c> pattern as a .NET regex.</summary>
    public static System.Text.RegularExpressions.Regex Pattern(JsonElement e, string path, string component)
    {
        if (!e.TryGetProperty("pattern", out var p) || p.ValueKind != JsonValueKind.Object)
            throw new ModelLoadException($"{path}: {component} has no pattern.");
        if (p.TryGetProperty("String", out var s) && s.ValueKind == JsonValueKind.String)
            return new(System.Text.RegularExpressions.Regex.Escape(s.GetString()!), System.Text.RegularExpressions.RegexOptions.CultureInvariant);
        if (p.TryGetProperty("Regex", out var r) && r.ValueKind == JsonValueKind.String)
        {
            try { return new(OnigurumaPattern.ToDotNet(r.GetString()!), System.Text.RegularExpressions.RegexOptions.CultureInvariant); }
            catch (ArgumentException ex) { throw new ModelLoadException($"{path}: {component} pattern does not compile: {ex.Message}", ex); }
        }

        throw new ModelLoadException($"{path}: {component} pattern is neither String nor Regex.");
    }

    /// <summary>The load error for a component this loader does not implement.</summary>
    public static ModelLoadException Unsupported(string path, string stage, string? type, string supported) =>
        new($"{path}: {stage} '{type ?? "(no type)"}' is not supported (supported: {supported}).");
}
