using System.Text.Json;

namespace InferenceScaling.Templates.Jinja;

// Template values are a closed set, so a template can reach nothing of .NET but what is listed here:
// Undefined, null (None), bool, long, double, string, JinjaList, JinjaDict, JinjaCallable and JinjaLoop.

/// <summary>jinja2's Undefined: a missing variable, attribute or item. Prints as nothing; most uses of it fail.</summary>
internal sealed class Undefined
{
    public static readonly Undefined Instance = new();

    private Undefined() { }

    public override string ToString() => "";
}

/// <summary>A list or tuple.</summary>
internal sealed class JinjaList(List<object?> items, bool isTuple = false)
{
    public List<object?> Items { get; } = items;

    public bool IsTuple { get; } = isTuple;

    public int Count => Items.Count;
}

/// <summary>A dict (insertion-ordered, string keys) or a <c>namespace()</c> object.</summary>
internal sealed class JinjaDict(bool isNamespace = false)
{
    public OrderedDictionary<string, object?> Items { get; } = new(StringComparer.Ordinal);

    /// <summary>A namespace's attributes may be assigned with <c>{% set ns.x = ... %}</c>; a dict's may not.</summary>
    public bool IsNamespace { get; } = isNamespace;

    public int Count => Items.Count;
}

/// <summary>Arguments of a call as the template wrote them.</summary>
internal sealed record CallArguments(IReadOnlyList<object?> Positional, IReadOnlyList<KeyValuePair<string, object?>> Named)
{
    public static readonly CallArguments Empty = new([], []);

    public object? Get(int index, string name, object? fallback = null)
    {
        foreach (var (k, v) in Named)
            if (k == name) return v;
        return index >= 0 && index < Positional.Count ? Positional[index] : fallback;
    }

    public bool Has(int index, string name)
    {
        foreach (var (k, _) in Named)
            if (k == name) return true;
        return index >= 0 && index < Positional.Count;
    }
}

/// <summary>A function a template can call: a built-in, a macro, <c>caller</c>, or one the host registered.</summary>
internal sealed class JinjaCallable(string name, Func<Interpreter, CallArguments, object?> invoke)
{
    public string Name { get; } = name;

    public object? Invoke(Interpreter interpreter, CallArguments args) => invoke(interpreter, args);
}

/// <summary>The <c>loop</c> variable of a for loop.</summary>
internal sealed class JinjaLoop
{
    public required List<object?> Items { get; init; }

    public int Index0 { get; set; }

    public int Depth0 { get; init; }

    /// <summary>For <c>{% for ... recursive %}</c>: renders the loop body for a nested iterable.</summary>
    public JinjaCallable? Recurse { get; init; }

    public object? Attribute(string name) => name switch
    {
        "index" => (long)(Index0 + 1),
        "index0" => (long)Index0,
        "revindex" => (long)(Items.Count - Index0),
        "revindex0" => (long)(Items.Count - Index0 - 1),
        "first" => Index0 == 0,
        "last" => Index0 == Items.Count - 1,
        "length" => (long)Items.Count,
        "depth" => (long)(Depth0 + 1),
        "depth0" => (long)Depth0,
        "previtem" => Index0 > 0 ? Items[Index0 - 1] : Undefined.Instance,
        "nextitem" => Index0 + 1 < Items.Count ? Items[Index0 + 1] : Undefined.Instance,
        "cycle" => new JinjaCallable("loop.cycle", (_, a) => a.Positional.Count == 0 ? Undefined.Instance : a.Positional[Index0 % a.Positional.Count]),
        _ => Undefined.Instance,
    };
}

/// <summary>Conversions between JSON and template values.</summary>
internal static class JinjaValues
{
    /// <summary>A JSON value as a template value (numbers with a fraction or exponent become floats, as json.loads does).</summary>
    public static object? FromJson(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => element.TryGetInt64(out var l) && !element.GetRawText().AsSpan().ContainsAny('.', 'e', 'E') ? (object)l : element.GetDouble(),
        JsonValueKind.Array => new JinjaList([.. element.EnumerateArray().Select(FromJson)]),
        JsonValueKind.Object => ObjectFromJson(element),
        _ => null,
    };

    private static JinjaDict ObjectFromJson(JsonElement element)
    {
        var dict = new JinjaDict();
        foreach (var p in element.EnumerateObject()) dict.Items[p.Name] = FromJson(p.Value);
        return dict;
    }
}
