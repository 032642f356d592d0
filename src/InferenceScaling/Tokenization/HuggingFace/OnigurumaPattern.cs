using System.Text;

namespace InferenceScaling.Tokenization.HuggingFace;

/// <summary>
/// Translates the Oniguruma patterns tokenizer.json files are written for into .NET regex syntax. The tokenizer
/// patterns real models ship (GPT-2, Llama-3, Qwen2, GPT-4o style) differ only in possessive quantifiers
/// (<c>?+</c>, <c>*+</c>, <c>++</c>), which .NET lacks; dropping the extra <c>+</c> keeps what they match on these
/// patterns, whose alternatives never need to backtrack into a quantifier.
/// </summary>
internal static class OnigurumaPattern
{
    public static string ToDotNet(string pattern)
    {
        var sb = new StringBuilder(pattern.Length);
        var inClass = false;
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
            {
                sb.Append(c).Append(pattern[++i]);
                // \p{L}, \x{...}: the braces belong to the escape, they are not a quantifier.
                if (pattern[i] is 'p' or 'P' or 'x' && i + 1 < pattern.Length && pattern[i + 1] == '{')
                {
                    var close = pattern.IndexOf('}', i + 1);
                    if (close < 0) close = pattern.Length - 1;
                    sb.Append(pattern, i + 1, close - i);
                    i = close;
                }

                continue;
            }

            if (inClass)
            {
                if (c == ']') inClass = false;
                sb.Append(c);
                continue;
            }

            if (c == '[') inClass = true;
            sb.Append(c);
            var quantifier = c is '?' or '*' or '+' or '}';
            // "(?" opens a group, not a quantifier.
            if (c == '?' && i > 0 && pattern[i - 1] == '(') quantifier = false;
            if (quantifier && i + 1 < pattern.Length && pattern[i + 1] == '+') i++;
        }

        return sb.ToString();
    }
}
