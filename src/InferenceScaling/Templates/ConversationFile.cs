using System.Text.Json;

namespace InferenceScaling.Templates;

/// <summary>Reads a conversation file: a JSON array of message objects as OpenAI sends them (<c>{"role", "content"}</c>, more fields allowed).</summary>
internal static class ConversationFile
{
    /// <summary>Reads and checks <paramref name="path"/>.</summary>
    /// <returns>The array, detached from the file.</returns>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">Not JSON, not an array of objects, or a message without a string <c>role</c> or with a <c>content</c> that is not a string, null or a list; the message names the file and the message's index.</exception>
    public static JsonElement Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: messages file not found.", path);
        JsonElement root;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            root = doc.RootElement.Clone();
        }
        catch (JsonException ex) { throw new InvalidDataException($"{path}: not valid JSON: {ex.Message}", ex); }

        Check(root, path);
        return root;
    }

    /// <summary>Checks an in-memory conversation the same way (<paramref name="source"/> names it in errors).</summary>
    /// <exception cref="InvalidDataException">As <see cref="Read"/>.</exception>
    public static void Check(JsonElement messages, string source)
    {
        if (messages.ValueKind != JsonValueKind.Array) throw new InvalidDataException($"{source}: expected a JSON array of messages, found {messages.ValueKind}.");
        var i = 0;
        foreach (var m in messages.EnumerateArray())
        {
            if (m.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{source}: message {i} is not an object.");
            if (!m.TryGetProperty("role", out var role) || role.ValueKind != JsonValueKind.String)
                throw new InvalidDataException($"{source}: message {i} has no \"role\" string.");
            if (m.TryGetProperty("content", out var content) && content.ValueKind is not (JsonValueKind.String or JsonValueKind.Null or JsonValueKind.Array))
                throw new InvalidDataException($"{source}: message {i} has a \"content\" that is neither a string, null nor a list.");
            i++;
        }
    }
}
