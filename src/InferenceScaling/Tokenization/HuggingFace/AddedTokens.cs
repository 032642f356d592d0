using System.Text.Json;

namespace InferenceScaling.Tokenization.HuggingFace;

/// <summary>One of tokenizer.json's <c>added_tokens</c>.</summary>
internal sealed record AddedToken(int Id, string Content, bool Special, bool Normalized, bool LStrip, bool RStrip, bool SingleWord)
{
    public static AddedToken From(JsonElement e, string path)
    {
        var content = Json.String(e, "content");
        if (string.IsNullOrEmpty(content) || !e.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.Number)
            throw new Runtime.ModelLoadException($"{path}: an added token has no content or no id.");
        var special = Json.Bool(e, "special", false);
        return new AddedToken(id.GetInt32(), content, special, Json.Bool(e, "normalized", !special), Json.Bool(e, "lstrip", false),
            Json.Bool(e, "rstrip", false), Json.Bool(e, "single_word", false));
    }
}

/// <summary>A stretch of input: plain text to normalize and encode, or one added token.</summary>
internal readonly record struct InputSegment(int Start, int End, AddedToken? Token);

/// <summary>
/// Finds added tokens in raw input, leftmost first and longest at a position (as Hugging Face's matcher does), with
/// each token's <c>lstrip</c> / <c>rstrip</c> (absorb the whitespace beside it) and <c>single_word</c> (not inside a
/// word) flags. Tokens are matched on the input as written, before normalization.
/// </summary>
internal sealed class AddedTokenMatcher
{
    /// <summary>Tokens by first char, longest first.</summary>
    private readonly Dictionary<char, AddedToken[]> _byFirstChar;

    public AddedTokenMatcher(IEnumerable<AddedToken> tokens)
    {
        _byFirstChar = tokens.GroupBy(t => t.Content[0])
            .ToDictionary(g => g.Key, g => g.OrderByDescending(t => t.Content.Length).ToArray());
    }

    public bool IsEmpty => _byFirstChar.Count == 0;

    /// <summary>Splits <paramref name="text"/> into plain segments and added tokens, in order.</summary>
    public void Split(string text, List<InputSegment> output)
    {
        var plainStart = 0;
        var i = 0;
        while (i < text.Length)
        {
            var token = _byFirstChar.Count == 0 ? null : MatchAt(text, i);
            if (token is null)
            {
                i++;
                continue;
            }

            var start = i;
            var end = i + token.Content.Length;
            if (token.LStrip) while (start > plainStart && char.IsWhiteSpace(text[start - 1])) start--;
            if (token.RStrip) while (end < text.Length && char.IsWhiteSpace(text[end])) end++;
            if (start > plainStart) output.Add(new InputSegment(plainStart, start, null));
            output.Add(new InputSegment(start, end, token));
            plainStart = i = end;
        }

        if (plainStart < text.Length) output.Add(new InputSegment(plainStart, text.Length, null));
    }

    private AddedToken? MatchAt(string text, int i)
    {
        if (!_byFirstChar.TryGetValue(text[i], out var candidates)) return null;
        foreach (var t in candidates)
        {
            if (i + t.Content.Length > text.Length || string.CompareOrdinal(text, i, t.Content, 0, t.Content.Length) != 0) continue;
            if (t.SingleWord && (IsWordChar(text, i - 1) || IsWordChar(text, i + t.Content.Length))) continue;
            return t;
        }

        return null;
    }

    private static bool IsWordChar(string text, int i) => i >= 0 && i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] == '_');
}
