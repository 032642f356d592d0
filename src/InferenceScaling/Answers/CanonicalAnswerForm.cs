using System.Text;

namespace InferenceScaling.Answers;

/// <summary>
/// Computes the canonical key of a final answer (see <see cref="MathAnswerEquivalence"/> for the rules). Stateless and
/// allocation-bounded: input is capped at <see cref="MaxLength"/> characters and structure at <see cref="MaxDepth"/> levels.
/// </summary>
internal static class CanonicalAnswerForm
{
    /// <summary>Answers longer than this are compared as trimmed text: no real final answer is that long.</summary>
    public const int MaxLength = 1000;

    /// <summary>Nesting of tuples, sets and intervals beyond which elements are compared as text.</summary>
    private const int MaxDepth = 8;

    /// <summary>The canonical key of <paramref name="answer"/>.</summary>
    public static string Compute(string answer)
    {
        if (answer.Length > MaxLength) return answer.Trim();
        return Value(LatexAnswerCleaner.Clean(answer), 0);
    }

    private static string Value(string s, int depth)
    {
        s = s.Trim();
        if (s.Length == 0) return s;
        if (depth > MaxDepth) return Compact(s);

        // \{a, b\} is a set: order and repeats do not matter.
        if (s.Length >= 4 && s.StartsWith("\\{", StringComparison.Ordinal) && s.EndsWith("\\}", StringComparison.Ordinal) && Encloses(s))
            return Unordered(s[2..^2], depth);

        var union = Split(s, "\\cup");
        if (union.Count > 1) return string.Join("U", Sorted(union, depth, distinct: false));

        if (s[0] is '(' or '[' or '{' && s[^1] is ')' or ']' or '}' && Encloses(s))
        {
            var inner = s[1..^1];
            var parts = Split(inner, ",");
            if (s[0] == '{' && s[^1] == '}') return parts.Count > 1 ? Unordered(inner, depth) : Value(inner, depth + 1);

            // Tuples and intervals: order matters and so do the brackets, so (1,2), [1,2] and [1,2) all differ.
            if (parts.Count > 1)
            {
                var sb = new StringBuilder().Append(s[0]);
                for (var i = 0; i < parts.Count; i++)
                {
                    if (i > 0) sb.Append(',');
                    sb.Append(Value(parts[i], depth + 1));
                }

                return sb.Append(s[^1]).ToString();
            }
        }

        var thousands = ThousandsPrefixLength(s);
        if (thousands > 0 && Split(s[thousands..], ",").Count == 1) return Scalar(s[..thousands].Replace(",", "", StringComparison.Ordinal) + s[thousands..]);

        // A bare list "1, 2" is read as the set of solutions it usually is.
        return Split(s, ",").Count > 1 ? Unordered(s, depth) : Scalar(s);
    }

    private static string Unordered(string inner, int depth) =>
        "{" + string.Join(",", Sorted(Split(inner, ","), depth, distinct: true)) + "}";

    private static List<string> Sorted(List<string> parts, int depth, bool distinct)
    {
        var keys = new List<string>(parts.Count);
        foreach (var part in parts)
        {
            var key = Value(part, depth + 1);
            if (!distinct || !keys.Contains(key)) keys.Add(key);
        }

        keys.Sort(StringComparer.Ordinal);
        return keys;
    }

    private static string Scalar(string s)
    {
        s = StripAssignment(s.Trim());
        if (s.Length == 0) return s;
        var thousands = ThousandsPrefixLength(s);
        if (thousands > 0) s = s[..thousands].Replace(",", "", StringComparison.Ordinal) + s[thousands..];

        var number = MixedNumber(s) ?? ExactNumberParser.TryParse(s) ?? NumberBeforeUnits(s);
        if (number is not null) return number.ToString();

        // Multiple-choice letters: (A), A) and A are the same choice.
        var letter = s.Trim('(', ')', ' ');
        if (letter.Length == 1 && letter[0] is >= 'A' and <= 'E') return letter;
        return Compact(s);
    }

    /// <summary>
    /// <c>1 1/2</c>, <c>-2 3/4</c>, <c>1\frac{1}{2}</c> → integer plus a proper fraction; improper ones (<c>2 3/2</c>) are
    /// not read as mixed numbers.
    /// </summary>
    private static ExactNumber? MixedNumber(string s)
    {
        var i = 0;
        var negative = false;
        if (i < s.Length && s[i] is '-' or '+') negative = s[i++] == '-';
        var start = i;
        while (i < s.Length && char.IsAsciiDigit(s[i])) i++;
        if (i == start || i - start > 100) return null;
        var whole = System.Numerics.BigInteger.Parse(s.AsSpan(start, i - start), System.Globalization.CultureInfo.InvariantCulture);
        var spaced = i < s.Length && s[i] == ' ';
        var rest = s.AsSpan(i).TrimStart(' ');
        if (rest.Length == 0) return null;
        var isFrac = rest.StartsWith("\\frac");
        if (!isFrac && !spaced) return null;
        foreach (var c in isFrac ? rest[5..] : rest)
        {
            if (!(char.IsAsciiDigit(c) || c is '{' or '}' or ' ' || (!isFrac && c == '/'))) return null;
        }

        var fraction = ExactNumberParser.TryParse(rest.ToString());
        if (fraction is null || !fraction.IsRational) return null;
        var value = fraction.AsRational;
        if (value.Numerator.Sign <= 0 || value.Numerator >= value.Denominator || value.IsInteger) return null;
        var total = Rational.FromInteger(whole) + value;
        return ExactNumber.FromRational(negative ? -total : total);
    }

    /// <summary><c>5 apples</c>, <c>5 cm^2</c>, <c>12 m/s</c> → 5, 5, 12: trailing unit words after a number are dropped.</summary>
    private static ExactNumber? NumberBeforeUnits(string s)
    {
        for (var i = 1; i < s.Length; i++)
        {
            if (s[i - 1] != ' ' || !char.IsLetter(s[i])) continue;
            var tail = s.AsSpan(i);
            for (var j = 0; j < tail.Length; j++)
            {
                var c = tail[j];
                var unitChar = char.IsLetter(c) || c is ' ' or '^' or '/' or '.' or '{' or '}' or '\\' or '*'
                    || (char.IsAsciiDigit(c) && j > 0 && (tail[j - 1] is '^' or '{' || char.IsAsciiDigit(tail[j - 1])));
                if (!unitChar) return null;
            }

            var prefix = s[..i].Trim();
            return MixedNumber(prefix) ?? ExactNumberParser.TryParse(prefix);
        }

        return null;
    }

    /// <summary><c>x = 5</c>, <c>k=\frac12</c>, <c>\theta = 30</c> → the right-hand side, when the left is one variable.</summary>
    private static string StripAssignment(string s)
    {
        var eq = s.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0 || eq + 1 >= s.Length || s[eq + 1] == '=' || s.IndexOf('=', eq + 1) >= 0) return s;
        var left = s.AsSpan(0, eq).Trim();
        if (left.Length == 0 || left.Length > 12 || !(char.IsAsciiLetter(left[0]) || left[0] == '\\')) return s;
        foreach (var c in left)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '{' or '}' or '\\')) return s;
        }

        return s[(eq + 1)..].Trim();
    }

    /// <summary>
    /// The length of a leading number with thousands separators (<c>1,234</c>, <c>-12,345.5</c>), or 0. The number must
    /// end the text or be followed by a space, so <c>1,23</c> or <c>1,234,5</c> are lists, not numbers.
    /// </summary>
    private static int ThousandsPrefixLength(string s)
    {
        var i = 0;
        if (i < s.Length && s[i] is '-' or '+') i++;
        var start = i;
        while (i < s.Length && char.IsAsciiDigit(s[i])) i++;
        if (i == start || i - start > 3) return 0;
        var groups = 0;
        while (i < s.Length && s[i] == ',' && IsDigitRun(s, i + 1, 3) && (i + 4 == s.Length || !char.IsAsciiDigit(s[i + 4])))
        {
            i += 4;
            groups++;
        }

        if (groups == 0) return 0;
        if (i < s.Length && s[i] == '.')
        {
            var j = i + 1;
            while (j < s.Length && char.IsAsciiDigit(s[j])) j++;
            if (j == i + 1) return 0;
            i = j;
        }

        return i == s.Length || s[i] == ' ' ? i : 0;
    }

    private static bool IsDigitRun(string s, int start, int length)
    {
        if (start + length > s.Length) return false;
        for (var i = start; i < start + length; i++) if (!char.IsAsciiDigit(s[i])) return false;
        return true;
    }

    /// <summary>True when the bracket opening <paramref name="s"/> is closed by its last character (not earlier).</summary>
    private static bool Encloses(string s)
    {
        var depth = 0;
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (c == '\\' && i + 1 < s.Length && s[i + 1] is '{' or '}') c = s[++i];
            if (c is '(' or '[' or '{') depth++;
            else if (c is ')' or ']' or '}' && --depth == 0 && i < s.Length - 1) return false;
        }

        return depth == 0;
    }

    /// <summary>Splits at <paramref name="separator"/> where no bracket is open.</summary>
    private static List<string> Split(string s, string separator)
    {
        var parts = new List<string>();
        var depth = 0;
        var start = 0;
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (c == '\\' && i + 1 < s.Length && s[i + 1] is '{' or '}')
            {
                c = s[++i];
            }
            else if (depth == 0 && string.CompareOrdinal(s, i, separator, 0, separator.Length) == 0)
            {
                parts.Add(s[start..i]);
                i += separator.Length - 1;
                start = i + 1;
                continue;
            }

            if (c is '(' or '[' or '{') depth++;
            else if (c is ')' or ']' or '}') depth = Math.Max(0, depth - 1);
        }

        parts.Add(s[start..]);
        return parts;
    }

    /// <summary>The text key: spaces removed; a plain word of two or more letters compared without case.</summary>
    private static string Compact(string s)
    {
        var sb = new StringBuilder(s.Length);
        var allLetters = true;
        foreach (var c in s)
        {
            if (c == ' ') continue;
            allLetters &= char.IsLetter(c);
            sb.Append(c);
        }

        var text = sb.ToString();
        return allLetters && text.Length >= 2 ? text.ToLowerInvariant() : text;
    }
}
