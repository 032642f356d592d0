using System.Text;
using System.Text.Json;
using Microsoft.ML.Tokenizers;

namespace InferenceScaling.Tokenization;

/// <summary>A text and its tokens, as <c>infscale tokenize</c> prints them.</summary>
/// <param name="Text">The input text.</param>
/// <param name="Tokens">Its tokens, with UTF-16 offsets into <paramref name="Text"/>.</param>
internal sealed record TokenizedText(string Text, IReadOnlyList<EncodedToken> Tokens)
{
    /// <summary>The ids, space-separated, on one line (no trailing newline).</summary>
    public string IdsLine()
    {
        var sb = new StringBuilder(Tokens.Count * 6);
        for (var i = 0; i < Tokens.Count; i++)
        {
            if (i > 0) sb.Append(' ');
            sb.Append(Tokens[i].Id);
        }

        return sb.ToString();
    }

    /// <summary>
    /// <c>{"count", "ids", "tokens": [{"id", "token", "start", "end", "text"}]}</c>: <c>start</c> / <c>end</c> count
    /// Unicode code points (as Python and Hugging Face's offsets do), <c>text</c> is the input they cover (empty for
    /// tokens the post-processor added).
    /// </summary>
    public string ToJson()
    {
        // UTF-16 index → code point index.
        var codePoint = new int[Text.Length + 1];
        for (int i = 0, cp = 0; i <= Text.Length; i++)
        {
            codePoint[i] = cp;
            if (i < Text.Length && !(char.IsHighSurrogate(Text[i]) && i + 1 < Text.Length && char.IsLowSurrogate(Text[i + 1]))) cp++;
        }

        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteNumber("count", Tokens.Count);
            w.WriteStartArray("ids");
            foreach (var t in Tokens) w.WriteNumberValue(t.Id);
            w.WriteEndArray();
            w.WriteStartArray("tokens");
            foreach (var t in Tokens)
            {
                w.WriteStartObject();
                w.WriteNumber("id", t.Id);
                var (start, length) = t.Offset.GetOffsetAndLength(Text.Length);
                w.WriteString("token", t.Value);
                w.WriteNumber("start", codePoint[start]);
                w.WriteNumber("end", codePoint[start + length]);
                w.WriteString("text", Text.Substring(start, length));
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
