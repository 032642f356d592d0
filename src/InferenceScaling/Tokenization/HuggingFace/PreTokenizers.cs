using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace InferenceScaling.Tokenization.HuggingFace;

/// <summary>A tokenizer.json pre-tokenizer: splits (and may rewrite) normalized text into the pieces the model encodes one by one.</summary>
internal abstract class PreTokenizerStep
{
    private const string Supported = "Split, ByteLevel, Metaspace, Digits, Whitespace, WhitespaceSplit, Punctuation, Sequence";

    /// <summary>GPT-2's pattern, the one ByteLevel's <c>use_regex</c> splits with.</summary>
    internal const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    private static readonly Regex Gpt2 = new(Gpt2Pattern, RegexOptions.CultureInvariant);

    /// <summary>Replaces <paramref name="pieces"/>' contents with their split.</summary>
    public void Apply(List<AlignedText> pieces, List<AlignedText> scratch)
    {
        scratch.Clear();
        foreach (var p in pieces) Split(p, scratch);
        pieces.Clear();
        pieces.AddRange(scratch);
    }

    protected abstract void Split(AlignedText piece, List<AlignedText> into);

    /// <summary>The pre-tokenizer a tokenizer.json <c>pre_tokenizer</c> section describes (null when there is none).</summary>
    /// <exception cref="Runtime.ModelLoadException">A pre-tokenizer this loader does not implement; the message names it.</exception>
    public static PreTokenizerStep? From(JsonElement e, string path)
    {
        if (Json.IsNull(e)) return null;
        var type = Json.Type(e);
        return type switch
        {
            "Split" => new SplitStep(Json.Pattern(e, path, "pre-tokenizer Split"), Behavior(Json.String(e, "behavior"), path), Json.Bool(e, "invert", false)),
            "ByteLevel" => new ByteLevelStep(Json.Bool(e, "add_prefix_space", true), Json.Bool(e, "use_regex", true)),
            "Metaspace" => new MetaspaceStep(Replacement(e), PrependScheme(e, path), Json.Bool(e, "split", true)),
            "Digits" => new SplitStep(new Regex(@"\p{N}", RegexOptions.CultureInvariant), Json.Bool(e, "individual_digits", false) ? SplitBehavior.Isolated : SplitBehavior.Contiguous, false),
            "Whitespace" => new SplitStep(new Regex(@"\w+|[^\w\s]+", RegexOptions.CultureInvariant), SplitBehavior.Removed, true),
            "WhitespaceSplit" => new SplitStep(new Regex(@"\s+", RegexOptions.CultureInvariant), SplitBehavior.Removed, false),
            "Punctuation" => new SplitStep(new Regex(@"[\p{P}!-/:-@\[-`{-~]", RegexOptions.CultureInvariant), Behavior(Json.String(e, "behavior") ?? "Isolated", path), false),
            "Sequence" => new SequenceStep([.. Json.Array(e, "pretokenizers", path, "pre-tokenizer Sequence")
                .Select(p => From(p, path)).OfType<PreTokenizerStep>()]),
            _ => throw Json.Unsupported(path, "pre-tokenizer", type, Supported),
        };
    }

    internal static char Replacement(JsonElement e) => Json.String(e, "replacement") is { Length: > 0 } r ? r[0] : '\u2581';

    internal static string PrependScheme(JsonElement e, string path)
    {
        var scheme = Json.String(e, "prepend_scheme");
        if (scheme is null) return Json.Bool(e, "add_prefix_space", true) ? "always" : "never";
        return scheme is "always" or "first" or "never" ? scheme : throw Json.Unsupported(path, "Metaspace prepend_scheme", scheme, "always, first, never");
    }

    private static SplitBehavior Behavior(string? name, string path) => name switch
    {
        "Isolated" or null => SplitBehavior.Isolated,
        "Removed" => SplitBehavior.Removed,
        "MergedWithPrevious" => SplitBehavior.MergedWithPrevious,
        "MergedWithNext" => SplitBehavior.MergedWithNext,
        "Contiguous" => SplitBehavior.Contiguous,
        _ => throw Json.Unsupported(path, "Split behavior", name, "Isolated, Removed, MergedWithPrevious, MergedWithNext, Contiguous"),
    };

    /// <summary>Splits a piece at the matches of a pattern, as the Hugging Face <c>split</c> with a delimiter behaviour does.</summary>
    internal static void SplitByMatches(AlignedText piece, Regex regex, SplitBehavior behavior, bool invert, List<AlignedText> into)
    {
        if (piece.Length == 0) return;
        // Spans covering the piece, each marked as a match (a delimiter) or not.
        var spans = new List<(int Start, int End, bool Match)>();
        var at = 0;
        for (var m = regex.Match(piece.Text); m.Success; m = m.NextMatch())
        {
            if (m.Length == 0) continue;
            if (m.Index > at) spans.Add((at, m.Index, invert));
            spans.Add((m.Index, m.Index + m.Length, !invert));
            at = m.Index + m.Length;
        }

        if (at < piece.Length) spans.Add((at, piece.Length, invert));

        var merged = new List<(int Start, int End)>(spans.Count);
        var previousMatch = false;
        switch (behavior)
        {
            case SplitBehavior.Isolated:
                foreach (var s in spans) merged.Add((s.Start, s.End));
                break;
            case SplitBehavior.Removed:
                foreach (var s in spans) if (!s.Match) merged.Add((s.Start, s.End));
                break;
            case SplitBehavior.MergedWithPrevious:
                foreach (var s in spans)
                {
                    if (s.Match && !previousMatch && merged.Count > 0) merged[^1] = (merged[^1].Start, s.End);
                    else merged.Add((s.Start, s.End));
                    previousMatch = s.Match;
                }

                break;
            case SplitBehavior.MergedWithNext:
                for (var i = spans.Count - 1; i >= 0; i--)
                {
                    var s = spans[i];
                    if (s.Match && !previousMatch && merged.Count > 0) merged[^1] = (s.Start, merged[^1].End);
                    else merged.Add((s.Start, s.End));
                    previousMatch = s.Match;
                }

                merged.Reverse();
                break;
            case SplitBehavior.Contiguous:
                for (var i = 0; i < spans.Count; i++)
                {
                    var s = spans[i];
                    if (i > 0 && s.Match == previousMatch) merged[^1] = (merged[^1].Start, s.End);
                    else merged.Add((s.Start, s.End));
                    previousMatch = s.Match;
                }

                break;
        }

        foreach (var (start, end) in merged) if (end > start) into.Add(piece.Slice(start, end));
    }

    /// <summary>Maps a piece's UTF-8 bytes to GPT-2's byte alphabet, each byte aligned to its char.</summary>
    internal static AlignedText ToByteLevel(AlignedText piece)
    {
        var b = new AlignedText.Builder(piece.Length * 2);
        Span<byte> utf8 = stackalloc byte[4];
        var i = 0;
        foreach (var rune in piece.Text.EnumerateRunes())
        {
            var n = rune.Utf16SequenceLength;
            var bytes = rune.EncodeToUtf8(utf8);
            for (var k = 0; k < bytes; k++) b.Append(ByteLevelAlphabet.ByteToChar[utf8[k]], piece.Starts[i], piece.Ends[i + n - 1]);
            i += n;
        }

        return b.Build(piece.OriginStart);
    }

    internal static AlignedText PrependChar(AlignedText piece, char c)
    {
        var b = new AlignedText.Builder(piece.Length + 1);
        var start = piece.Length > 0 ? piece.Starts[0] : piece.OriginStart;
        b.Append(c, start, piece.Length > 0 ? piece.Ends[0] : start);
        for (var i = 0; i < piece.Length; i++) b.Append(piece.Text[i], piece.Starts[i], piece.Ends[i]);
        return b.Build(piece.OriginStart);
    }

    private sealed class SplitStep(Regex regex, SplitBehavior behavior, bool invert) : PreTokenizerStep
    {
        protected override void Split(AlignedText piece, List<AlignedText> into) => SplitByMatches(piece, regex, behavior, invert, into);
    }

    private sealed class ByteLevelStep(bool addPrefixSpace, bool useRegex) : PreTokenizerStep
    {
        protected override void Split(AlignedText piece, List<AlignedText> into)
        {
            if (addPrefixSpace && !piece.Text.StartsWith(' ')) piece = PrependChar(piece, ' ');
            if (!useRegex)
            {
                if (piece.Length > 0) into.Add(ToByteLevel(piece));
                return;
            }

            var from = into.Count;
            SplitByMatches(piece, Gpt2, SplitBehavior.Isolated, false, into);
            for (var i = from; i < into.Count; i++) into[i] = ToByteLevel(into[i]);
        }
    }

    private sealed class MetaspaceStep(char replacement, string scheme, bool split) : PreTokenizerStep
    {
        private readonly Regex _space = new(" ", RegexOptions.CultureInvariant);
        private readonly Regex _replacement = new(Regex.Escape(replacement.ToString()), RegexOptions.CultureInvariant);

        protected override void Split(AlignedText piece, List<AlignedText> into)
        {
            piece = ReplaceNormalizer.Replace(piece, _space, replacement.ToString());
            var prepend = scheme == "always" || (scheme == "first" && piece.OriginStart == 0);
            if (prepend && !piece.Text.StartsWith(replacement)) piece = PrependChar(piece, replacement);
            if (split) SplitByMatches(piece, _replacement, SplitBehavior.MergedWithNext, false, into);
            else if (piece.Length > 0) into.Add(piece);
        }
    }

    private sealed class SequenceStep(PreTokenizerStep[] steps) : PreTokenizerStep
    {
        protected override void Split(AlignedText piece, List<AlignedText> into)
        {
            var pieces = new List<AlignedText> { piece };
            var scratch = new List<AlignedText>();
            foreach (var s in steps) s.Apply(pieces, scratch);
            into.AddRange(pieces);
        }
    }
}

/// <summary>What a split does with the delimiters it finds (Hugging Face's <c>SplitDelimiterBehavior</c>).</summary>
internal enum SplitBehavior
{
    Isolated,
    Removed,
    MergedWithPrevious,
    MergedWithNext,
    Contiguous,
}
