namespace InferenceScaling.Answers;

/// <summary>
/// Reads the final answer of a math trace. Conventions are tried in the order of <see cref="AnswerSource"/>, and within
/// each the last occurrence wins: the last <c>\boxed{...}</c> or <c>\fbox{...}</c> (balanced, nested braces), the last
/// <c>#### x</c> (GSM8K), the last <c>The final answer is x</c> (with <c>. I hope it is correct.</c> dropped), the last
/// <c>Answer: x</c> or <c>answer is x</c>, then, optionally, the last number (see
/// <see cref="FallbackToLastNumber"/>).
/// </summary>
/// <remarks>
/// <para>
/// An answer after a marker runs to the end of its line or to the end of its sentence: a <c>.</c>, <c>!</c> or <c>?</c>
/// followed by white space or the end of the text, outside braces, so <c>Answer: 3.5.</c> gives <c>3.5</c>. Math
/// delimiters (<c>$...$</c>, <c>\(...\)</c>) and Markdown bold around it are removed. If the last marker of a convention has
/// no answer after it (the trace was cut off), that convention gives nothing, the next is tried, and the last-number
/// fallback is off.
/// </para>
/// <para>Runs in time linear in the text length (ordinal scans, no regular expressions). Thread-safe: immutable.</para>
/// </remarks>
public sealed class MathAnswerExtractor : IAnswerExtractor
{
    /// <summary>Markers for <see cref="AnswerSource.AnswerLine"/>; "answer" must start a word.</summary>
    private static readonly string[] AnswerLineMarkers = ["answer:", "answer is"];

    /// <summary>An extractor.</summary>
    /// <param name="fallbackToLastNumber">
    /// When the text holds no answer marker at all (no <c>\boxed</c>, <c>####</c>, <c>Final Answer</c>, <c>Answer:</c> or
    /// <c>answer is</c>), take the last number in the text as the answer. Default true. See <see cref="FallbackToLastNumber"/>.
    /// </param>
    public MathAnswerExtractor(bool fallbackToLastNumber = true) => FallbackToLastNumber = fallbackToLastNumber;

    /// <summary>Whether a text without any answer marker answers with its last number.</summary>
    /// <remarks>
    /// The fallback never applies when a marker is present but its answer is missing or unfinished (<c>Answer:</c> at the
    /// very end, an unclosed <c>\boxed{</c>): that trace was cut off in its answer and casts no vote. Nor does it apply
    /// when the text ends in an operator or <c>=</c> (<c>19*3=</c>), because the last number is then an operand, not a
    /// result. A trace cut off before it wrote any answer line can still end on a number; the voting layer discards traces
    /// that finished with <see cref="Sampling.FinishReason.Length"/> for that reason.
    /// </remarks>
    public bool FallbackToLastNumber { get; }

    /// <summary>The final answer of <paramref name="text"/>, or null when it holds none.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    public ExtractedAnswer? Extract(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var markerSeen = false;

        var boxed = Boxed(text, ref markerSeen);
        if (boxed is not null) return new ExtractedAnswer(boxed, AnswerSource.Boxed);

        var hashes = AfterMarker(text, "####", ignoreCase: false, wordStart: false, ref markerSeen);
        if (hashes is not null) return new ExtractedAnswer(hashes, AnswerSource.Hashes);

        var final = AfterMarker(text, "final answer is", ignoreCase: true, wordStart: true, ref markerSeen);
        if (final is not null) return new ExtractedAnswer(final, AnswerSource.FinalAnswer);

        var line = AnswerLine(text, ref markerSeen);
        if (line is not null) return new ExtractedAnswer(line, AnswerSource.AnswerLine);

        if (markerSeen || !FallbackToLastNumber || EndsMidExpression(text)) return null;
        var number = LastNumber(text);
        return number is null ? null : new ExtractedAnswer(number, AnswerSource.LastNumber);
    }

    private static string? Boxed(string text, ref bool markerSeen)
    {
        var boxed = text.LastIndexOf("\\boxed", StringComparison.Ordinal);
        var fbox = text.LastIndexOf("\\fbox", StringComparison.Ordinal);
        var start = Math.Max(boxed, fbox);
        if (start < 0) return null;
        markerSeen = true;
        var i = start + (start == boxed ? "\\boxed".Length : "\\fbox".Length);
        if (i < text.Length && char.IsAsciiLetter(text[i])) return null;
        while (i < text.Length && text[i] == ' ') i++;
        if (i >= text.Length) return null;

        string content;
        if (text[i] == '{')
        {
            var close = LatexAnswerCleaner.MatchingBrace(text, i);
            if (close < 0) return null;
            content = text[(i + 1)..close];
        }
        else
        {
            // "\boxed 5$": the argument runs to the closing math delimiter or white space.
            var end = i;
            while (end < text.Length && text[end] != '$' && !char.IsWhiteSpace(text[end])) end++;
            content = text[i..end];
        }

        content = content.Trim();
        return content.Length == 0 ? null : content;
    }

    private static string? AnswerLine(string text, ref bool markerSeen)
    {
        var best = -1;
        var bestLength = 0;
        foreach (var marker in AnswerLineMarkers)
        {
            var at = LastWordStart(text, marker, ignoreCase: true);
            if (at > best)
            {
                best = at;
                bestLength = marker.Length;
            }
        }

        if (best < 0) return null;
        markerSeen = true;
        return AnswerAfter(text, best + bestLength);
    }

    private static string? AfterMarker(string text, string marker, bool ignoreCase, bool wordStart, ref bool markerSeen)
    {
        var at = wordStart
            ? LastWordStart(text, marker, ignoreCase)
            : text.LastIndexOf(marker, ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);
        if (at < 0) return null;
        markerSeen = true;
        return AnswerAfter(text, at + marker.Length);
    }

    /// <summary>The last index of <paramref name="marker"/> whose first character starts a word.</summary>
    private static int LastWordStart(string text, string marker, bool ignoreCase)
    {
        var comparison = ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        var end = text.Length;
        while (end > 0)
        {
            var at = text.LastIndexOf(marker, end - 1, end, comparison);
            if (at < 0) return -1;
            if (at == 0 || !char.IsLetterOrDigit(text[at - 1])) return at;

            // The next match must start before this one; it may still overlap it.
            end = at + marker.Length - 1;
        }

        return -1;
    }

    /// <summary>The answer that starts at <paramref name="start"/>: to the end of the line or sentence, cleaned of wrapping.</summary>
    private static string? AnswerAfter(string text, int start)
    {
        var i = start;
        while (i < text.Length && (text[i] is ':' or '*' || (char.IsWhiteSpace(text[i]) && text[i] != '\n'))) i++;
        var end = i;
        var depth = 0;
        while (end < text.Length)
        {
            var c = text[end];
            if (c is '\n' or '\r') break;
            if (c == '{') depth++;
            else if (c == '}') depth = Math.Max(0, depth - 1);
            else if (c is '.' or '!' or '?' && depth == 0 && (end + 1 == text.Length || char.IsWhiteSpace(text[end + 1]))) break;
            end++;
        }

        var answer = text[i..end].Trim();
        answer = StripSuffix(answer, "I hope it is correct");
        answer = Unwrap(answer);
        return answer.Length == 0 ? null : answer;
    }

    private static string StripSuffix(string answer, string suffix)
    {
        var trimmed = answer.TrimEnd('.', ' ');
        return trimmed.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) ? trimmed[..^suffix.Length].TrimEnd('.', ' ') : answer;
    }

    /// <summary>Removes Markdown bold, <c>$...$</c> and <c>\(...\)</c> around an answer, and a trailing full stop.</summary>
    private static string Unwrap(string answer)
    {
        // Each pass removes at least one character, so this loop is bounded by the answer's length.
        while (true)
        {
            var before = answer.Length;
            answer = answer.Trim().TrimEnd('.').Trim('*').Trim();
            if (answer.Length >= 2 && answer[0] == '$' && answer[^1] == '$') answer = answer.Trim('$');
            if (answer.Length >= 4 && answer.StartsWith("\\(", StringComparison.Ordinal) && answer.EndsWith("\\)", StringComparison.Ordinal)) answer = answer[2..^2];
            if (answer.Length == before) return answer;
        }
    }

    /// <summary>True when the last non-space character is an operator or <c>=</c>: the text stops mid-calculation.</summary>
    private static bool EndsMidExpression(string text)
    {
        var trimmed = text.AsSpan().TrimEnd();
        return trimmed.Length > 0 && trimmed[^1] is '=' or '+' or '-' or '*' or '/' or '^' or '×' or '÷' or '\u2212';
    }

    /// <summary>The last number: optional sign, digits with thousands separators, a decimal part, and <c>/b</c> for a fraction.</summary>
    private static string? LastNumber(string text)
    {
        int lastStart = -1, lastEnd = -1;
        var i = 0;
        while (i < text.Length)
        {
            if (!char.IsAsciiDigit(text[i]))
            {
                i++;
                continue;
            }

            var start = i;
            var end = ScanUnsigned(text, i);
            if (end + 1 < text.Length && text[end] == '/' && char.IsAsciiDigit(text[end + 1])) end = ScanUnsigned(text, end + 1);
            if (start > 0 && text[start - 1] is '-' or '\u2212' && (start == 1 || !(char.IsLetterOrDigit(text[start - 2]) || text[start - 2] is ')' or ']' or '}')))
                start--;
            lastStart = start;
            lastEnd = end;
            i = end;
        }

        return lastStart < 0 ? null : text[lastStart..lastEnd];
    }

    private static int ScanUnsigned(string text, int i)
    {
        while (i < text.Length && char.IsAsciiDigit(text[i])) i++;

        // Thousands groups: ",ddd" not followed by another digit.
        while (i + 3 < text.Length && text[i] == ',' && char.IsAsciiDigit(text[i + 1]) && char.IsAsciiDigit(text[i + 2]) && char.IsAsciiDigit(text[i + 3])
               && (i + 4 == text.Length || !char.IsAsciiDigit(text[i + 4])))
            i += 4;

        if (i + 1 < text.Length && text[i] == '.' && char.IsAsciiDigit(text[i + 1]))
        {
            i++;
            while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
        }

        return i;
    }
}
