using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace InferenceScaling.Tokenization.HuggingFace;

/// <summary>A tokenizer.json normalizer: rewrites a segment of input text before it is split.</summary>
internal abstract class TextNormalizer
{
    private const string Supported = "NFC, NFD, NFKC, NFKD, Prepend, Replace, Strip, Lowercase, Sequence";

    public abstract AlignedText Normalize(AlignedText text);

    /// <summary>The normalizer a tokenizer.json <c>normalizer</c> section describes (null when there is none).</summary>
    /// <exception cref="Runtime.ModelLoadException">A normalizer this loader does not implement; the message names it.</exception>
    public static TextNormalizer? From(JsonElement e, string path)
    {
        if (Json.IsNull(e)) return null;
        var type = Json.Type(e);
        return type switch
        {
            "NFC" => new UnicodeNormalizer(NormalizationForm.FormC),
            "NFD" => new UnicodeNormalizer(NormalizationForm.FormD),
            "NFKC" => new UnicodeNormalizer(NormalizationForm.FormKC),
            "NFKD" => new UnicodeNormalizer(NormalizationForm.FormKD),
            "Prepend" => new PrependNormalizer(Json.String(e, "prepend") ?? ""),
            "Replace" => new ReplaceNormalizer(Json.Pattern(e, path, "normalizer Replace"), Json.String(e, "content") ?? ""),
            "Strip" => new StripNormalizer(Json.Bool(e, "strip_left", true), Json.Bool(e, "strip_right", true)),
            "Lowercase" => new LowercaseNormalizer(),
            "Sequence" => new SequenceNormalizer([.. Json.Array(e, "normalizers", path, "normalizer Sequence")
                .Select(n => From(n, path)).OfType<TextNormalizer>()]),
            _ => throw Json.Unsupported(path, "normalizer", type, Supported),
        };
    }
}

/// <summary>Unicode normalization (NFC, NFD, NFKC, NFKD), one text element at a time so offsets stay aligned (<see cref="UnicodeNormalization"/>).</summary>
internal sealed class UnicodeNormalizer(NormalizationForm form) : TextNormalizer
{
    public override AlignedText Normalize(AlignedText text)
    {
        var whole = UnicodeNormalization.Normalize(text.Text, form);
        if (string.Equals(whole, text.Text, StringComparison.Ordinal)) return text;
        var b = new AlignedText.Builder(whole.Length);
        // Normalization never reorders across text elements, so normalizing each element alone equals normalizing the whole.
        var starts = StringInfo.ParseCombiningCharacters(text.Text);
        for (var k = 0; k < starts.Length; k++)
        {
            var a = starts[k];
            var end = k + 1 < starts.Length ? starts[k + 1] : text.Length;
            b.Append(UnicodeNormalization.Normalize(text.Text[a..end], form), text.Starts[a], text.Ends[end - 1]);
        }

        return b.Build(text.OriginStart);
    }
}

/// <summary>Prepends a string to non-empty text (SentencePiece's "▁").</summary>
internal sealed class PrependNormalizer(string prepend) : TextNormalizer
{
    public override AlignedText Normalize(AlignedText text)
    {
        if (text.Length == 0 || prepend.Length == 0) return text;
        var b = new AlignedText.Builder(text.Length + prepend.Length);
        b.Append(prepend, text.Starts[0], text.Ends[0]);
        for (var i = 0; i < text.Length; i++) b.Append(text.Text[i], text.Starts[i], text.Ends[i]);
        return b.Build(text.OriginStart);
    }
}

/// <summary>Replaces every match of a pattern with fixed content.</summary>
internal sealed class ReplaceNormalizer(Regex pattern, string content) : TextNormalizer
{
    public override AlignedText Normalize(AlignedText text) => Replace(text, pattern, content);

    public static AlignedText Replace(AlignedText text, Regex pattern, string content)
    {
        var match = pattern.Match(text.Text);
        if (!match.Success) return text;
        var b = new AlignedText.Builder(text.Length);
        var at = 0;
        for (; match.Success; match = match.NextMatch())
        {
            if (match.Length == 0) continue;
            for (var i = at; i < match.Index; i++) b.Append(text.Text[i], text.Starts[i], text.Ends[i]);
            b.Append(content, text.Starts[match.Index], text.Ends[match.Index + match.Length - 1]);
            at = match.Index + match.Length;
        }

        for (var i = at; i < text.Length; i++) b.Append(text.Text[i], text.Starts[i], text.Ends[i]);
        return b.Build(text.OriginStart);
    }
}

/// <summary>Strips whitespace on the left and/or right.</summary>
internal sealed class StripNormalizer(bool left, bool right) : TextNormalizer
{
    public override AlignedText Normalize(AlignedText text)
    {
        var start = 0;
        var end = text.Length;
        if (left) while (start < end && char.IsWhiteSpace(text.Text[start])) start++;
        if (right) while (end > start && char.IsWhiteSpace(text.Text[end - 1])) end--;
        return text.Slice(start, end);
    }
}

/// <summary>Unicode lowercase.</summary>
internal sealed class LowercaseNormalizer : TextNormalizer
{
    public override AlignedText Normalize(AlignedText text)
    {
        var lower = text.Text.ToLowerInvariant();
        if (string.Equals(lower, text.Text, StringComparison.Ordinal)) return text;
        var b = new AlignedText.Builder(text.Length);
        var i = 0;
        foreach (var rune in text.Text.EnumerateRunes())
        {
            var n = rune.Utf16SequenceLength;
            b.Append(Rune.ToLowerInvariant(rune).ToString(), text.Starts[i], text.Ends[i + n - 1]);
            i += n;
        }

        return b.Build(text.OriginStart);
    }
}

/// <summary>Normalizers applied in order.</summary>
internal sealed class SequenceNormalizer(TextNormalizer[] normalizers) : TextNormalizer
{
    public override AlignedText Normalize(AlignedText text)
    {
        foreach (var n in normalizers) text = n.Normalize(text);
        return text;
    }
}
