using System.Globalization;
using System.Text;

namespace InferenceScaling.Templates.Jinja;

/// <summary>
/// Python methods templates call on values (<c>content.strip()</c>, <c>message.get('x')</c>, <c>d.items()</c>).
/// Only methods that read exist: Hugging Face renders in an immutable sandbox, where <c>list.append</c> fails too.
/// </summary>
internal static class Methods
{
    public static JinjaCallable? ForString(string s, string name)
    {
        Func<Interpreter, CallArguments, object?>? f = name switch
        {
            "upper" => (_, _) => s.ToUpperInvariant(),
            "lower" => (_, _) => s.ToLowerInvariant(),
            "strip" => (it, a) => Strip(it, s, a, true, true),
            "lstrip" => (it, a) => Strip(it, s, a, true, false),
            "rstrip" => (it, a) => Strip(it, s, a, false, true),
            "title" => (_, _) => Title(s),
            "capitalize" => (_, _) => Capitalize(s),
            "split" => (it, a) => Split(it, s, a),
            "splitlines" => (_, _) => new JinjaList([.. s.Split('\n').Select(x => (object?)x.TrimEnd('\r'))]),
            "startswith" => (it, a) => Affix(it, s, a, start: true),
            "endswith" => (it, a) => Affix(it, s, a, start: false),
            "replace" => (it, a) => Replace(it, s, a),
            "join" => (it, a) => string.Join(s, it.Iterate(a.Get(0, "iterable")).Select(x => Format.Str(x, it.Dialect))),
            "find" => (it, a) => (long)s.IndexOf(Text(it, a.Get(0, "sub"), "find"), StringComparison.Ordinal),
            "rfind" => (it, a) => (long)s.LastIndexOf(Text(it, a.Get(0, "sub"), "rfind"), StringComparison.Ordinal),
            "count" => (it, a) => (long)Count(s, Text(it, a.Get(0, "sub"), "count")),
            "isdigit" => (_, _) => s.Length > 0 && s.All(char.IsDigit),
            "isalpha" => (_, _) => s.Length > 0 && s.All(char.IsLetter),
            "isspace" => (_, _) => s.Length > 0 && s.All(char.IsWhiteSpace),
            "islower" => (_, _) => s.Any(char.IsLetter) && !s.Any(char.IsUpper),
            "isupper" => (_, _) => s.Any(char.IsLetter) && !s.Any(char.IsLower),
            "removeprefix" => (it, a) => Text(it, a.Get(0, "prefix"), "removeprefix") is var p && s.StartsWith(p, StringComparison.Ordinal) ? s[p.Length..] : s,
            "removesuffix" => (it, a) => Text(it, a.Get(0, "suffix"), "removesuffix") is var p && p.Length > 0 && s.EndsWith(p, StringComparison.Ordinal) ? s[..^p.Length] : s,
            _ => null,
        };
        return f is null ? null : new JinjaCallable("str." + name, f);
    }

    public static JinjaCallable? ForDict(JinjaDict d, string name)
    {
        Func<Interpreter, CallArguments, object?>? f = name switch
        {
            "get" => (it, a) => a.Get(0, "key") is string k && d.Items.TryGetValue(k, out var v) ? v : a.Get(1, "default"),
            "items" => (_, _) => Items(d),
            "keys" => (_, _) => new JinjaList([.. d.Items.Keys]),
            "values" => (_, _) => new JinjaList([.. d.Items.Values]),
            _ => null,
        };
        return f is null ? null : new JinjaCallable("dict." + name, f);
    }

    public static JinjaCallable? ForList(JinjaList l, string name)
    {
        Func<Interpreter, CallArguments, object?>? f = name switch
        {
            "index" => (it, a) =>
            {
                var item = a.Get(0, "value");
                for (var i = 0; i < l.Count; i++)
                    if (Operators.AreEqual(l.Items[i], item, it.Dialect)) return (long)i;
                throw it.Error("value is not in list");
            },
            "count" => (it, a) => (long)l.Items.Count(x => Operators.AreEqual(x, a.Get(0, "value"), it.Dialect)),
            _ => null,
        };
        return f is null ? null : new JinjaCallable("list." + name, f);
    }

    public static JinjaList Items(JinjaDict d)
    {
        var items = new List<object?>(d.Count);
        foreach (var (k, v) in d.Items) items.Add(new JinjaList([k, v], isTuple: true));
        return new JinjaList(items);
    }

    private static string Text(Interpreter it, object? v, string method) =>
        v as string ?? throw it.Error($"{method}() needs a string argument, not '{Format.TypeName(v)}'");

    private static int Count(string s, string sub)
    {
        if (sub.Length == 0) return s.Length + 1;
        var n = 0;
        for (var i = s.IndexOf(sub, StringComparison.Ordinal); i >= 0; i = s.IndexOf(sub, i + sub.Length, StringComparison.Ordinal)) n++;
        return n;
    }

    private static string Strip(Interpreter it, string s, CallArguments a, bool left, bool right)
    {
        var chars = a.Get(0, "chars");
        if (chars is null or Undefined)
        {
            if (left) s = s.TrimStart();
            if (right) s = s.TrimEnd();
            return s;
        }

        var set = Text(it, chars, "strip").ToCharArray();
        if (left) s = s.TrimStart(set);
        if (right) s = s.TrimEnd(set);
        return s;
    }

    /// <summary>Python's str.title: a letter after a non-letter is upper-cased, other letters lower-cased.</summary>
    public static string Title(string s)
    {
        var sb = new StringBuilder(s.Length);
        var previousIsLetter = false;
        foreach (var c in s)
        {
            sb.Append(previousIsLetter ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c));
            previousIsLetter = char.IsLetter(c);
        }

        return sb.ToString();
    }

    public static string Capitalize(string s) =>
        s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant();

    private static JinjaList Split(Interpreter it, string s, CallArguments a)
    {
        var sep = a.Get(0, "sep");
        var maxObj = a.Get(1, "maxsplit", -1L);
        if (Operators.Int(maxObj) is not { } max) throw it.Error("split() maxsplit must be an integer");
        var parts = new List<object?>();
        if (sep is null or Undefined)
        {
            // Runs of whitespace separate; none at the ends; with maxsplit the remainder keeps its inner whitespace.
            var i = 0;
            while (true)
            {
                while (i < s.Length && char.IsWhiteSpace(s[i])) i++;
                if (i >= s.Length) break;
                if (max >= 0 && parts.Count >= max)
                {
                    parts.Add(s[i..]);
                    break;
                }

                var start = i;
                while (i < s.Length && !char.IsWhiteSpace(s[i])) i++;
                parts.Add(s[start..i]);
            }

            return new JinjaList(parts);
        }

        var separator = Text(it, sep, "split");
        if (separator.Length == 0) throw it.Error("split(): empty separator");
        var pos = 0;
        while (max < 0 || parts.Count < max)
        {
            var next = s.IndexOf(separator, pos, StringComparison.Ordinal);
            if (next < 0) break;
            parts.Add(s[pos..next]);
            pos = next + separator.Length;
        }

        parts.Add(s[pos..]);
        return new JinjaList(parts);
    }

    private static bool Affix(Interpreter it, string s, CallArguments a, bool start)
    {
        var arg = a.Get(0, start ? "prefix" : "suffix");
        IEnumerable<object?> options = arg is JinjaList l ? l.Items : [arg];
        foreach (var o in options)
        {
            var p = Text(it, o, start ? "startswith" : "endswith");
            if (start ? s.StartsWith(p, StringComparison.Ordinal) : s.EndsWith(p, StringComparison.Ordinal)) return true;
        }

        return false;
    }

    public static string Replace(Interpreter it, string s, CallArguments a)
    {
        var old = Text(it, a.Get(0, "old"), "replace");
        var replacement = Text(it, a.Get(1, "new"), "replace");
        var countObj = a.Get(2, "count");
        var count = countObj is null or Undefined ? -1 : Operators.Int(countObj) ?? throw it.Error("replace() count must be an integer");
        if (count < 0) count = long.MaxValue;
        var sb = new StringBuilder();
        if (old.Length == 0)
        {
            // Python inserts the replacement before every character and at the end, up to count times.
            long done = 0;
            for (var i = 0; i <= s.Length; i++)
            {
                if (done < count) { sb.Append(replacement); done++; }
                if (i < s.Length) sb.Append(s[i]);
            }

            return sb.ToString();
        }

        var pos = 0;
        long n = 0;
        while (n < count)
        {
            var next = s.IndexOf(old, pos, StringComparison.Ordinal);
            if (next < 0) break;
            sb.Append(s, pos, next - pos).Append(replacement);
            pos = next + old.Length;
            n++;
        }

        return sb.Append(s, pos, s.Length - pos).ToString();
    }

    public static string ToStringInvariant(long v) => v.ToString(CultureInfo.InvariantCulture);
}
