using System.Text;

namespace InferenceScaling.Answers;

/// <summary>
/// The text-level part of answer normalization, in one linear pass: drops math delimiters (<c>$</c>, <c>\(</c>),
/// sizing and spacing commands (<c>\left</c>, <c>\right</c>, <c>\!</c>, <c>\,</c>), currency and percent signs, degree
/// marks; unwraps <c>\text{}</c>-like commands and <c>\boxed{}</c>; maps <c>\dfrac</c>/<c>\tfrac</c> to <c>\frac</c>,
/// <c>\cdot</c>/<c>\times</c> to <c>*</c>, the Unicode minus to <c>-</c>, <c>π</c>/<c>√</c>/<c>∞</c> to their commands;
/// and collapses white space.
/// </summary>
internal static class LatexAnswerCleaner
{
    /// <summary>Nesting of unwrapped commands beyond which their content is kept as written.</summary>
    private const int MaxDepth = 16;

    /// <summary>The cleaned text, trimmed, without a trailing full stop.</summary>
    public static string Clean(string answer)
    {
        var sb = new StringBuilder(answer.Length);
        Append(sb, answer.AsSpan(), 0);
        var text = Collapse(sb);
        text = StripEnclosing(text, "\\(", "\\)");
        text = StripEnclosing(text, "\\[", "\\]");
        while (text.Length > 0 && text[^1] == '.') text = text[..^1].TrimEnd();
        return text;
    }

    private static void Append(StringBuilder sb, ReadOnlySpan<char> s, int depth)
    {
        var i = 0;
        while (i < s.Length)
        {
            var c = s[i];
            switch (c)
            {
                case '\\':
                    i = AppendCommand(sb, s, i, depth);
                    continue;
                case '^' when IsDegreeMark(s[(i + 1)..], out var length):
                    i += 1 + length;
                    continue;
                case '$' or '%' or '°':
                    break;
                case '\u2212' or '\uFE63' or '\uFF0D':
                    sb.Append('-');
                    break;
                case '×' or '·':
                    sb.Append('*');
                    break;
                case '÷':
                    sb.Append('/');
                    break;
                case 'π':
                    sb.Append("\\pi ");
                    break;
                case '∞':
                    sb.Append("\\infty ");
                    break;
                case '√':
                    sb.Append("\\sqrt");
                    break;
                default:
                    sb.Append(char.IsWhiteSpace(c) || c == '~' ? ' ' : c);
                    break;
            }

            i++;
        }
    }

    /// <summary>Handles the command at <paramref name="i"/> (a backslash) and returns the index after it.</summary>
    private static int AppendCommand(StringBuilder sb, ReadOnlySpan<char> s, int i, int depth)
    {
        var start = i + 1;
        if (start >= s.Length) return start;
        if (!char.IsAsciiLetter(s[start]))
        {
            switch (s[start])
            {
                case '!' or ',' or ';' or ':' or '%' or '$':
                    break;
                case ' ':
                    sb.Append(' ');
                    break;
                case '\\':
                    sb.Append(' ');
                    break;
                default:
                    sb.Append('\\').Append(s[start]);
                    break;
            }

            return start + 1;
        }

        var end = start;
        while (end < s.Length && char.IsAsciiLetter(s[end])) end++;
        var name = s[start..end];
        switch (name)
        {
            case "left" or "right":
                // \left. and \right. are invisible delimiters.
                return end < s.Length && s[end] == '.' ? end + 1 : end;
            case "displaystyle" or "circ" or "degree" or "degrees" or "quad" or "qquad":
                sb.Append(' ');
                return end;
            case "dfrac" or "tfrac":
                sb.Append("\\frac");
                return end;
            case "cdot" or "times" or "ast":
                sb.Append('*');
                return end;
            case "div":
                sb.Append('/');
                return end;
            case "text" or "textbf" or "textit" or "textnormal" or "mathrm" or "mathbf" or "mathit" or "mbox" or "boxed" or "fbox":
            {
                var open = end;
                while (open < s.Length && s[open] == ' ') open++;
                var close = open < s.Length && s[open] == '{' ? MatchingBrace(s, open) : -1;
                if (close < 0 || depth >= MaxDepth)
                {
                    // No argument, or too deep: drop the command name and read on.
                    return end;
                }

                // Text content is spaced off, so a unit written as 5\text{cm} still reads as the number 5 and a word.
                var spaced = name is not ("boxed" or "fbox");
                if (spaced) sb.Append(' ');
                Append(sb, s[(open + 1)..close], depth + 1);
                if (spaced) sb.Append(' ');
                return close + 1;
            }

            default:
                sb.Append('\\').Append(name);

                // A command name ends at the first non-letter; keep that boundary when the next character is a letter.
                if (end < s.Length && char.IsAsciiLetter(s[end])) sb.Append(' ');
                return end;
        }
    }

    /// <summary>True when <paramref name="s"/> starts with <c>\circ</c> or <c>{\circ}</c> (after a <c>^</c>).</summary>
    private static bool IsDegreeMark(ReadOnlySpan<char> s, out int length)
    {
        var trimmed = s.TrimStart(' ');
        var skipped = s.Length - trimmed.Length;
        foreach (var mark in (ReadOnlySpan<string>)["\\circ", "{\\circ}", "{ \\circ }", "{\\circ }", "{ \\circ}"])
        {
            if (trimmed.StartsWith(mark) && (trimmed.Length == mark.Length || !char.IsAsciiLetter(trimmed[mark.Length])))
            {
                length = skipped + mark.Length;
                return true;
            }
        }

        length = 0;
        return false;
    }

    /// <summary>The index of the brace closing the one at <paramref name="open"/>, or -1; escaped braces do not count.</summary>
    internal static int MatchingBrace(ReadOnlySpan<char> s, int open)
    {
        var depth = 0;
        for (var i = open; i < s.Length; i++)
        {
            var c = s[i];
            if (c == '\\')
            {
                i++;
                continue;
            }

            if (c == '{') depth++;
            else if (c == '}' && --depth == 0) return i;
        }

        return -1;
    }

    private static string Collapse(StringBuilder sb)
    {
        var result = new StringBuilder(sb.Length);
        var space = false;
        for (var i = 0; i < sb.Length; i++)
        {
            var c = sb[i];
            if (c == ' ')
            {
                space = result.Length > 0;
                continue;
            }

            if (space) result.Append(' ');
            space = false;
            result.Append(c);
        }

        return result.ToString();
    }

    private static string StripEnclosing(string text, string open, string close) =>
        text.Length >= open.Length + close.Length && text.StartsWith(open, StringComparison.Ordinal) && text.EndsWith(close, StringComparison.Ordinal)
            ? text[open.Length..^close.Length].Trim()
            : text;
}
