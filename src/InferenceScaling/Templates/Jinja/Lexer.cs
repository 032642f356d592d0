using System.Globalization;
using System.Text;

namespace InferenceScaling.Templates.Jinja;

/// <summary>
/// Splits a Jinja template into text and tag tokens with Hugging Face's settings: <c>trim_blocks</c> (the first
/// newline after a block or comment tag is dropped), <c>lstrip_blocks</c> (spaces and tabs from the start of a line
/// to a block or comment tag are dropped), whitespace control (<c>{%-</c>, <c>-%}</c>, <c>+</c> to keep), comments
/// removed, <c>{% raw %}</c> kept verbatim, a single trailing newline of the template dropped, as jinja2 does.
/// </summary>
internal static class Lexer
{
    /// <summary>Operators, longest first so that <c>//</c> wins over <c>/</c>.</summary>
    private static readonly string[] Operators =
        ["**", "//", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<", ">", "=", "(", ")", "[", "]", "{", "}", ",", ".", ":", "|", ";"];

    public static List<Token> Tokenize(string source, SourceMap map)
    {
        var tokens = new List<Token>();
        var end = source.Length;
        // jinja2 (keep_trailing_newline=False) drops one newline at the end of the template.
        if (end > 0 && source[end - 1] == '\n') end--;
        var pos = 0;
        var stripNextLeading = false;   // the previous tag ended with '-'
        var trimNextNewline = false;    // the previous tag was a block or comment (trim_blocks)
        while (pos < end)
        {
            var tagStart = FindTagStart(source, pos, end);
            var textEnd = tagStart < 0 ? end : tagStart;
            var textStart = pos;
            if (stripNextLeading) { while (textStart < textEnd && char.IsWhiteSpace(source[textStart])) textStart++; }
            else if (trimNextNewline && textStart < textEnd && source[textStart] == '\n') textStart++;
            else if (trimNextNewline && textStart + 1 < textEnd && source[textStart] == '\r' && source[textStart + 1] == '\n') textStart += 2;
            stripNextLeading = trimNextNewline = false;
            if (tagStart < 0)
            {
                AddText(tokens, source, textStart, textEnd, pos);
                break;
            }

            var kind = source[tagStart + 1]; // '{', '%' or '#'
            var modifier = tagStart + 2 < end ? source[tagStart + 2] : '\0';
            var cutEnd = textEnd;
            if (modifier == '-')
            {
                while (cutEnd > textStart && char.IsWhiteSpace(source[cutEnd - 1])) cutEnd--;
            }
            else if (modifier != '+' && kind != '{')
            {
                // lstrip_blocks: only spaces and tabs between the line start and the tag.
                var p = cutEnd;
                while (p > textStart && source[p - 1] is ' ' or '\t') p--;
                var atLineStart = p > textStart ? source[p - 1] == '\n' : p == 0 || source[p - 1] == '\n';
                if (atLineStart) cutEnd = p;
            }

            AddText(tokens, source, textStart, cutEnd, pos);
            var inner = tagStart + 2 + (modifier is '-' or '+' ? 1 : 0);
            if (kind == '#')
            {
                var close = source.IndexOf("#}", inner, StringComparison.Ordinal);
                if (close < 0 || close + 2 > source.Length) throw map.Error(TemplateErrorKind.Syntax, tagStart, "comment not closed ('#}' missing)");
                stripNextLeading = close > inner && source[close - 1] == '-';
                trimNextNewline = !(close > inner && source[close - 1] == '+');
                pos = close + 2;
                continue;
            }

            var closer = kind == '{' ? '}' : '%';
            tokens.Add(new Token(kind == '{' ? TokenKind.VariableBegin : TokenKind.BlockBegin, kind == '{' ? "{{" : "{%", tagStart));
            var p2 = LexInside(source, inner, closer, tokens, map, tagStart);
            // p2 is at the closing delimiter, possibly preceded by '-' or '+'.
            var closeModifier = source[p2] is '-' or '+' ? source[p2] : '\0';
            var closeAt = closeModifier == '\0' ? p2 : p2 + 1;
            tokens.Add(new Token(kind == '{' ? TokenKind.VariableEnd : TokenKind.BlockEnd, kind == '{' ? "}}" : "%}", closeAt));
            pos = closeAt + 2;
            stripNextLeading = closeModifier == '-';
            trimNextNewline = kind == '%' && closeModifier != '+';

            if (kind == '%' && IsRawOpen(tokens))
            {
                // {% raw %}...{% endraw %}: the body is text, tags and all.
                tokens.RemoveRange(tokens.Count - 3, 3);
                var (bodyEnd, after, endStrips) = FindEndRaw(source, pos, map, tagStart);
                var bodyStart = pos;
                if (stripNextLeading) { while (bodyStart < bodyEnd && char.IsWhiteSpace(source[bodyStart])) bodyStart++; }
                else if (trimNextNewline && bodyStart < bodyEnd && source[bodyStart] == '\n') bodyStart++;
                var bodyCut = bodyEnd;
                if (endStrips == '-') while (bodyCut > bodyStart && char.IsWhiteSpace(source[bodyCut - 1])) bodyCut--;
                if (bodyCut > bodyStart) tokens.Add(new Token(TokenKind.Text, Normalize(source[bodyStart..bodyCut]), bodyStart));
                pos = after.Position;
                stripNextLeading = after.StripsNext;
                trimNextNewline = after.TrimsNext;
            }
        }

        tokens.Add(new Token(TokenKind.End, "", Math.Max(0, end)));
        return tokens;
    }

    private static bool IsRawOpen(List<Token> tokens) =>
        tokens.Count >= 3 && tokens[^3].Kind == TokenKind.BlockBegin && tokens[^2].IsName("raw") && tokens[^1].Kind == TokenKind.BlockEnd;

    private static (int BodyEnd, (int Position, bool StripsNext, bool TrimsNext) After, char Modifier) FindEndRaw(string source, int from, SourceMap map, int rawAt)
    {
        var search = from;
        while (true)
        {
            var open = source.IndexOf("{%", search, StringComparison.Ordinal);
            if (open < 0) throw map.Error(TemplateErrorKind.Syntax, rawAt, "'raw' block not closed ('endraw' missing)");
            var p = open + 2;
            var modifier = p < source.Length && source[p] is '-' or '+' ? source[p] : '\0';
            if (modifier != '\0') p++;
            while (p < source.Length && char.IsWhiteSpace(source[p])) p++;
            if (string.CompareOrdinal(source, p, "endraw", 0, 6) == 0)
            {
                p += 6;
                while (p < source.Length && char.IsWhiteSpace(source[p])) p++;
                var closeModifier = p < source.Length && source[p] is '-' or '+' ? source[p] : '\0';
                if (closeModifier != '\0') p++;
                if (string.CompareOrdinal(source, p, "%}", 0, 2) == 0)
                    return (open, (p + 2, closeModifier == '-', closeModifier != '+'), modifier);
            }

            search = open + 2;
        }
    }

    private static int FindTagStart(string source, int from, int end)
    {
        for (var i = from; i + 1 < end; i++)
            if (source[i] == '{' && source[i + 1] is '{' or '%' or '#') return i;
        return -1;
    }

    private static void AddText(List<Token> tokens, string source, int start, int end, int _)
    {
        if (end > start) tokens.Add(new Token(TokenKind.Text, Normalize(source[start..end]), start));
    }

    /// <summary>jinja2 writes newlines as '\n' whatever the source used.</summary>
    private static string Normalize(string text) => text.Contains('\r') ? text.Replace("\r\n", "\n", StringComparison.Ordinal) : text;

    /// <summary>Lexes the inside of a tag from <paramref name="pos"/>; returns the offset of its closing delimiter (or of the '-'/'+' before it).</summary>
    private static int LexInside(string s, int pos, char closer, List<Token> tokens, SourceMap map, int tagStart)
    {
        var depth = 0;
        while (true)
        {
            while (pos < s.Length && char.IsWhiteSpace(s[pos])) pos++;
            if (pos >= s.Length) throw map.Error(TemplateErrorKind.Syntax, tagStart, closer == '}' ? "expression not closed ('}}' missing)" : "statement not closed ('%}' missing)");
            var c = s[pos];
            if (depth == 0)
            {
                if (c == closer && pos + 1 < s.Length && s[pos + 1] == '}') return pos;
                if (c is '-' or '+' && pos + 2 < s.Length && s[pos + 1] == closer && s[pos + 2] == '}') return pos;
            }

            if (c is '\'' or '"')
            {
                pos = LexString(s, pos, tokens, map);
                continue;
            }

            if (char.IsAsciiDigit(c))
            {
                var start = pos;
                while (pos < s.Length && (char.IsAsciiDigit(s[pos]) || s[pos] == '_')) pos++;
                var isFloat = false;
                // No float right after a '.', so that matrix.0.1 is two subscripts (jinja2's lexer does the same).
                var afterDot = tokens.Count > 0 && tokens[^1].IsOperator(".") && tokens[^1].Offset == start - 1;
                if (!afterDot && pos + 1 < s.Length && s[pos] == '.' && char.IsAsciiDigit(s[pos + 1]))
                {
                    isFloat = true;
                    pos++;
                    while (pos < s.Length && (char.IsAsciiDigit(s[pos]) || s[pos] == '_')) pos++;
                }

                if (!afterDot && pos < s.Length && s[pos] is 'e' or 'E')
                {
                    var q = pos + 1;
                    if (q < s.Length && s[q] is '+' or '-') q++;
                    if (q < s.Length && char.IsAsciiDigit(s[q]))
                    {
                        isFloat = true;
                        pos = q;
                        while (pos < s.Length && char.IsAsciiDigit(s[pos])) pos++;
                    }
                }

                if (pos < s.Length && (char.IsLetter(s[pos]) || s[pos] == '_'))
                    throw map.Error(TemplateErrorKind.Syntax, start, $"invalid name or number '{s[start..(pos + 1)]}'");
                tokens.Add(new Token(isFloat ? TokenKind.Float : TokenKind.Integer, s[start..pos].Replace("_", "", StringComparison.Ordinal), start));
                continue;
            }

            if (char.IsLetter(c) || c == '_')
            {
                var start = pos;
                while (pos < s.Length && (char.IsLetterOrDigit(s[pos]) || s[pos] == '_')) pos++;
                tokens.Add(new Token(TokenKind.Name, s[start..pos], start));
                continue;
            }

            string? op = null;
            foreach (var candidate in Operators)
                if (string.CompareOrdinal(s, pos, candidate, 0, candidate.Length) == 0) { op = candidate; break; }
            if (op is null) throw map.Error(TemplateErrorKind.Syntax, pos, $"unexpected character '{c}'");
            if (op is "(" or "[" or "{") depth++;
            else if (op is ")" or "]" or "}") depth = Math.Max(0, depth - 1);
            tokens.Add(new Token(TokenKind.Operator, op, pos));
            pos += op.Length;
        }
    }

    private static int LexString(string s, int pos, List<Token> tokens, SourceMap map)
    {
        var quote = s[pos];
        var start = pos++;
        var sb = new StringBuilder();
        while (true)
        {
            if (pos >= s.Length) throw map.Error(TemplateErrorKind.Syntax, start, "string not closed");
            var c = s[pos++];
            if (c == quote) break;
            if (c != '\\') { sb.Append(c); continue; }
            if (pos >= s.Length) throw map.Error(TemplateErrorKind.Syntax, start, "string not closed");
            var e = s[pos++];
            switch (e)
            {
                case 'n': sb.Append('\n'); break;
                case 't': sb.Append('\t'); break;
                case 'r': sb.Append('\r'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'v': sb.Append('\v'); break;
                case 'a': sb.Append('\a'); break;
                case '0': sb.Append('\0'); break;
                case '\\': sb.Append('\\'); break;
                case '\'': sb.Append('\''); break;
                case '"': sb.Append('"'); break;
                case '\n': break; // a backslash-newline continues the line, as in Python
                case 'x': sb.Append(Hex(s, ref pos, 2, map, start)); break;
                case 'u': sb.Append(Hex(s, ref pos, 4, map, start)); break;
                case 'U': sb.Append(Hex(s, ref pos, 8, map, start)); break;
                default: sb.Append('\\').Append(e); break; // Python keeps unknown escapes as written
            }
        }

        tokens.Add(new Token(TokenKind.String, sb.ToString(), start));
        return pos;
    }

    private static string Hex(string s, ref int pos, int digits, SourceMap map, int start)
    {
        if (pos + digits > s.Length || !int.TryParse(s.AsSpan(pos, digits), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var code) || code > 0x10FFFF)
            throw map.Error(TemplateErrorKind.Syntax, start, "bad escape in string");
        pos += digits;
        return char.ConvertFromUtf32(code);
    }
}
