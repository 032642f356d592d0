using System.Text.Json;
using InferenceScaling.Tools;

namespace InferenceScaling.Server;

/// <summary>
/// Reads a request's <c>tools</c> field: the tools to run inside the decode loop, named as the prompt set's
/// <c>tools</c> entries. Accepted forms: a string (<c>"calc"</c>, <c>"calc,other"</c>, <c>"none"</c>), or an array of
/// names and OpenAI-style tool objects (<c>{"type": "function", "function": {"name": "calculator"}}</c>, matched by entry
/// or tool name); an empty array or <c>"none"</c> turns the server's default tools off. Absent: the server's default
/// (<see cref="ServerOptions.Services"/>' tools).
/// </summary>
internal static class ToolsReader
{
    public static ToolSet? Read(JsonElement? value, ServerState state, string param = "tools")
    {
        if (value is not { } v) return state.DefaultTools;
        var names = new List<string>();
        switch (v.ValueKind)
        {
            case JsonValueKind.Null:
                return state.DefaultTools;
            case JsonValueKind.String:
                var text = v.GetString()!.Trim();
                if (!text.Equals("none", StringComparison.OrdinalIgnoreCase))
                    names.AddRange(text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in v.EnumerateArray())
                {
                    names.Add(Name(item, state, $"{param}[{i}]"));
                    i++;
                }

                break;
            default:
                throw RequestBody.WrongType(param, "a tool name, \"none\", or an array of names or tool objects", v);
        }

        if (names.Count == 0) return null;
        try
        {
            return state.ToolsFor(names);
        }
        catch (ArgumentException ex)
        {
            throw ApiException.BadRequest(ex.Message, param, "unknown_tool");
        }
    }

    /// <summary>An array item: a name, or a tool object whose function name is an entry's name or its tool's.</summary>
    private static string Name(JsonElement item, ServerState state, string at)
    {
        if (item.ValueKind == JsonValueKind.String) return item.GetString()!;
        if (item.ValueKind != JsonValueKind.Object) throw RequestBody.WrongType(at, "a tool name or a tool object", item);
        if (!item.TryGetProperty("function", out var function) || function.ValueKind != JsonValueKind.Object
            || !function.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String)
            throw ApiException.BadRequest($"'{at}' must have function.name.", $"{at}.function.name", "missing_field");
        var wanted = name.GetString()!;
        if (state.Prompts is { } prompts)
        {
            foreach (var (key, trigger) in prompts.Tools)
                if (key == wanted || trigger.Tool == wanted) return key;
        }

        return wanted;
    }
}
