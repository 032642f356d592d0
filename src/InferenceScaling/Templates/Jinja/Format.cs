using System.Globalization;
using System.Text;

namespace InferenceScaling.Templates.Jinja;

/// <summary>Values as text: Python's <c>str()</c> / <c>repr()</c> (or huggingface.js's printing), and <c>json.dumps</c>.</summary>
internal static class Format
{
    public static string Str(object? value, Dialect dialect) => value switch
    {
        string s => s,
        Undefined => "",
        _ => Repr(value, dialect, top: true),
    };

    public static string Repr(object? value, Dialect dialect, bool top = false)
    {
        switch (value)
        {
            case null: return dialect == Dialect.Python ? "None" : "null";
            case Undefined: return dialect == Dialect.Python ? "" : top ? "" : "undefined";
            case bool b: return dialect == Dialect.Python ? (b ? "True" : "False") : (b ? "true" : "false");
            case long l: return l.ToString(CultureInfo.InvariantCulture);
            case double d: return Float(d);
            case string s: return top ? s : dialect == Dialect.Python ? PyRepr(s) : Json(s, JsonOptions.Default);
            case JinjaList list:
                if (dialect == Dialect.JavaScript) return Json(list, JsonOptions.Default with { UndefinedText = "undefined" });
                {
                    var sb = new StringBuilder(list.IsTuple ? "(" : "[");
                    for (var i = 0; i < list.Count; i++)
                    {
                        if (i > 0) sb.Append(", ");
                        sb.Append(Repr(list.Items[i], dialect));
                    }

                    if (list.IsTuple && list.Count == 1) sb.Append(',');
                    return sb.Append(list.IsTuple ? ")" : "]").ToString();
                }
            case JinjaDict dict:
                if (dict.IsNamespace) return "<Namespace>";
                if (dialect == Dialect.JavaScript) return Json(dict, JsonOptions.Default with { UndefinedText = "undefined" });
                {
                    var sb = new StringBuilder("{");
                    var first = true;
                    foreach (var (k, v) in dict.Items)
                    {
                        if (!first) sb.Append(", ");
                        first = false;
                        sb.Append(PyRepr(k)).Append(": ").Append(Repr(v, dialect));
                    }

                    return sb.Append('}').ToString();
                }
            case JinjaCallable c: return $"<function {c.Name}>";
            case JinjaLoop: return "<LoopContext>";
            default: return value.ToString() ?? "";
        }
    }

    /// <summary>Python's repr of a float: shortest round-trip digits, '.0' on integral values, exponent outside [1e-4, 1e16).</summary>
    public static string Float(double d)
    {
        if (double.IsNaN(d)) return "nan";
        if (double.IsPositiveInfinity(d)) return "inf";
        if (double.IsNegativeInfinity(d)) return "-inf";
        if (d == 0) return double.IsNegative(d) ? "-0.0" : "0.0";
        // Shortest digits that round-trip: .NET's "R" gives them, in its own layout; recover digits and exponent from it.
        var shortest = d.ToString("R", CultureInfo.InvariantCulture);
        var negative = shortest[0] == '-';
        if (negative) shortest = shortest[1..];
        int exponent;
        string digits;
        var e = shortest.IndexOfAny(['E', 'e']);
        var mantissa = e >= 0 ? shortest[..e] : shortest;
        var exp = e >= 0 ? int.Parse(shortest[(e + 1)..], CultureInfo.InvariantCulture) : 0;
        var dot = mantissa.IndexOf('.', StringComparison.Ordinal);
        var intPart = dot >= 0 ? mantissa[..dot] : mantissa;
        var fracPart = dot >= 0 ? mantissa[(dot + 1)..] : "";
        digits = (intPart + fracPart).TrimStart('0');
        var leadingZeros = (intPart + fracPart).Length - digits.Length;
        exponent = intPart.Length - 1 - leadingZeros + exp; // position of the first significant digit
        digits = digits.TrimEnd('0');
        if (digits.Length == 0) digits = "0";
        var sb = new StringBuilder();
        if (negative) sb.Append('-');
        if (exponent < -4 || exponent >= 16)
        {
            sb.Append(digits[0]);
            if (digits.Length > 1) sb.Append('.').Append(digits, 1, digits.Length - 1);
            sb.Append('e').Append(exponent < 0 ? '-' : '+').Append(Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture));
            return sb.ToString();
        }

        if (exponent < 0)
        {
            sb.Append("0.").Append('0', -exponent - 1).Append(digits);
            return sb.ToString();
        }

        if (digits.Length <= exponent + 1)
        {
            sb.Append(digits).Append('0', exponent + 1 - digits.Length).Append(".0");
            return sb.ToString();
        }

        sb.Append(digits, 0, exponent + 1).Append('.').Append(digits, exponent + 1, digits.Length - exponent - 1);
        return sb.ToString();
    }

    /// <summary>Python's repr of a str: single quotes unless the text has one and no double quote.</summary>
    public static string PyRepr(string s)
    {
        var quote = s.Contains('\'') && !s.Contains('"') ? '"' : '\'';
        var sb = new StringBuilder(s.Length + 2).Append(quote);
        foreach (var c in s)
        {
            switch (c)
            {
                case '\\': sb.Append(@"\\"); break;
                case '\n': sb.Append(@"\n"); break;
                case '\r': sb.Append(@"\r"); break;
                case '\t': sb.Append(@"\t"); break;
                default:
                    if (c == quote) sb.Append('\\').Append(c);
                    else if (c < 0x20 || c == 0x7f) sb.Append(@"\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }

        return sb.Append(quote).ToString();
    }

    /// <summary>json.dumps settings (Hugging Face's tojson: ensure_ascii False unless asked).</summary>
    public sealed record JsonOptions(int? Indent, string ItemSeparator, string KeySeparator, bool EnsureAscii, bool SortKeys, string? UndefinedText)
    {
        public static readonly JsonOptions Default = new(null, ", ", ": ", false, false, null);
    }

    public static string Json(object? value, JsonOptions options)
    {
        var sb = new StringBuilder();
        WriteJson(sb, value, options, 0);
        return sb.ToString();
    }

    private static void WriteJson(StringBuilder sb, object? value, JsonOptions o, int depth)
    {
        if (depth > 100) throw new InvalidOperationException("value nested too deeply for tojson");
        switch (value)
        {
            case null: sb.Append("null"); return;
            case Undefined: sb.Append(o.UndefinedText ?? throw new InvalidOperationException("Undefined is not JSON serializable")); return;
            case bool b: sb.Append(b ? "true" : "false"); return;
            case long l: sb.Append(l.ToString(CultureInfo.InvariantCulture)); return;
            case double d:
                sb.Append(double.IsNaN(d) ? "NaN" : double.IsPositiveInfinity(d) ? "Infinity" : double.IsNegativeInfinity(d) ? "-Infinity" : Float(d));
                return;
            case string s: JsonString(sb, s, o.EnsureAscii); return;
            case JinjaList list:
                if (list.Count == 0) { sb.Append("[]"); return; }
                sb.Append('[');
                for (var i = 0; i < list.Count; i++)
                {
                    if (i > 0) sb.Append(o.ItemSeparator);
                    NewLine(sb, o, depth + 1);
                    WriteJson(sb, list.Items[i], o, depth + 1);
                }

                NewLine(sb, o, depth);
                sb.Append(']');
                return;
            case JinjaDict dict:
                if (dict.Count == 0) { sb.Append("{}"); return; }
                sb.Append('{');
                IEnumerable<KeyValuePair<string, object?>> entries = dict.Items;
                if (o.SortKeys) entries = entries.OrderBy(p => p.Key, StringComparer.Ordinal);
                var first = true;
                foreach (var (k, v) in entries)
                {
                    if (!first) sb.Append(o.ItemSeparator);
                    first = false;
                    NewLine(sb, o, depth + 1);
                    JsonString(sb, k, o.EnsureAscii);
                    sb.Append(o.KeySeparator);
                    WriteJson(sb, v, o, depth + 1);
                }

                NewLine(sb, o, depth);
                sb.Append('}');
                return;
            default:
                throw new InvalidOperationException($"a {TypeName(value)} is not JSON serializable");
        }
    }

    private static void NewLine(StringBuilder sb, JsonOptions o, int depth)
    {
        if (o.Indent is { } n) sb.Append('\n').Append(' ', n * depth);
    }

    /// <summary>A JSON string as Python's json.dumps writes it.</summary>
    private static void JsonString(StringBuilder sb, string s, bool ensureAscii)
    {
        sb.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append(@"\\"); break;
                case '\n': sb.Append(@"\n"); break;
                case '\r': sb.Append(@"\r"); break;
                case '\t': sb.Append(@"\t"); break;
                case '\b': sb.Append(@"\b"); break;
                case '\f': sb.Append(@"\f"); break;
                default:
                    if (c < 0x20 || (ensureAscii && c > 0x7e)) sb.Append(@"\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }

        sb.Append('"');
    }

    public static string TypeName(object? value) => value switch
    {
        null => "NoneType",
        Undefined => "Undefined",
        bool => "bool",
        long => "int",
        double => "float",
        string => "str",
        JinjaList l => l.IsTuple ? "tuple" : "list",
        JinjaDict d => d.IsNamespace ? "Namespace" : "dict",
        JinjaCallable => "function",
        JinjaLoop => "LoopContext",
        _ => "object",
    };
}
