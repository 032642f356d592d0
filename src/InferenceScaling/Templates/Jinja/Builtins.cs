using System.Globalization;
using System.Text;

namespace InferenceScaling.Templates.Jinja;

/// <summary>The filters, tests and global functions templates may use: jinja2's built-ins that chat templates need, plus
/// Hugging Face's <c>tojson</c> (json.dumps, non-ASCII kept), <c>raise_exception</c> and <c>strftime_now</c>.</summary>
internal static class Builtins
{
    /// <summary>Bound on <c>range()</c>'s length.</summary>
    private const long MaxRange = 100_000;

    private static readonly HashSet<string> FilterNames =
    [
        "abs", "attr", "capitalize", "center", "count", "d", "default", "dictsort", "e", "escape", "first", "float", "indent",
        "int", "items", "join", "last", "length", "list", "lower", "map", "max", "min", "reject", "rejectattr", "replace",
        "reverse", "round", "safe", "select", "selectattr", "sort", "string", "sum", "title", "tojson", "trim", "unique",
        "upper", "wordcount",
    ];

    private static readonly HashSet<string> TestNames =
    [
        "defined", "undefined", "none", "boolean", "false", "true", "integer", "float", "number", "string", "mapping",
        "iterable", "sequence", "callable", "odd", "even", "divisibleby", "eq", "equalto", "==", "ne", "!=", "lt",
        "lessthan", "<", "le", "<=", "gt", "greaterthan", ">", "ge", ">=", "in", "lower", "upper", "sameas", "escaped",
    ];

    public static bool HasFilter(string name) => FilterNames.Contains(name);

    public static bool HasTest(string name) => TestNames.Contains(name);

    public static object? Filter(Interpreter it, string name, object? value, CallArguments a)
    {
        switch (name)
        {
            case "abs":
                return value switch
                {
                    long l => (object)Math.Abs(l),
                    double d => Math.Abs(d),
                    bool b => b ? 1L : 0L,
                    _ => throw it.Error($"bad operand type for abs(): '{Format.TypeName(value)}'"),
                };
            case "attr": return it.GetAttribute(value, Str(it, a.Get(0, "name")));
            case "capitalize": return Methods.Capitalize(Str(it, value));
            case "center":
                {
                    var s = Str(it, value);
                    var width = (int)(Operators.Int(a.Get(0, "width", 80L)) ?? 80);
                    if (s.Length >= width) return s;
                    var left = (width - s.Length) / 2;
                    return new string(' ', left) + s + new string(' ', width - s.Length - left);
                }

            case "count" or "length": return Length(it, value);
            case "d" or "default":
                {
                    var fallback = a.Get(0, "default_value", "");
                    var boolean = Interpreter.Truthy(a.Get(1, "boolean", false));
                    return value is Undefined || (boolean && !Interpreter.Truthy(value)) ? fallback : value;
                }

            case "dictsort":
                {
                    if (value is not JinjaDict d) throw it.Error($"dictsort needs a dict, not '{Format.TypeName(value)}'");
                    var caseSensitive = Interpreter.Truthy(a.Get(0, "case_sensitive", false));
                    var by = Str(it, a.Get(1, "by", "key"));
                    if (by is not ("key" or "value")) throw it.Error("dictsort: 'by' must be 'key' or 'value'");
                    var reverse = Interpreter.Truthy(a.Get(2, "reverse", false));
                    var items = Methods.Items(d).Items;
                    var index = by == "key" ? 0 : 1;
                    var sorted = SortStable(it, items, x => Fold(((JinjaList)x!).Items[index], caseSensitive), reverse);
                    return new JinjaList(sorted);
                }

            case "e" or "escape": return Escape(Str(it, value));
            case "first":
                {
                    var items = it.Iterate(value);
                    return items.Count > 0 ? items[0] : Undefined.Instance;
                }

            case "last":
                {
                    var items = it.Iterate(value);
                    return items.Count > 0 ? items[^1] : Undefined.Instance;
                }

            case "float":
                {
                    var fallback = a.Get(0, "default", 0.0);
                    return value switch
                    {
                        double d => d,
                        long l => (double)l,
                        bool b => b ? 1.0 : 0.0,
                        string s when double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
                        _ => fallback,
                    };
                }

            case "int":
                {
                    var fallback = a.Get(0, "default", 0L);
                    return value switch
                    {
                        long l => l,
                        bool b => b ? 1L : 0L,
                        double d => (long)Math.Truncate(d),
                        string s when long.TryParse(s.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) => l,
                        string s when double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => (long)Math.Truncate(d),
                        _ => fallback,
                    };
                }

            case "indent": return Indent(it, Str(it, value), a);
            case "items":
                return value switch
                {
                    JinjaDict d => Methods.Items(d),
                    Undefined => new JinjaList([]),
                    _ => throw it.Error($"items needs a dict, not '{Format.TypeName(value)}'"),
                };
            case "join":
                {
                    var separator = Str(it, a.Get(0, "d", ""));
                    var attribute = a.Get(1, "attribute");
                    var items = it.Iterate(value);
                    var sb = new StringBuilder();
                    for (var i = 0; i < items.Count; i++)
                    {
                        if (i > 0) sb.Append(separator);
                        var item = attribute is string attr ? Path(it, items[i], attr) : items[i];
                        sb.Append(Format.Str(item, it.Dialect));
                    }

                    return sb.ToString();
                }

            case "list": return new JinjaList(it.Iterate(value));
            case "lower": return Str(it, value).ToLowerInvariant();
            case "upper": return Str(it, value).ToUpperInvariant();
            case "map": return Map(it, value, a);
            case "max" or "min":
                {
                    var items = it.Iterate(value);
                    if (items.Count == 0) return Undefined.Instance;
                    var caseSensitive = Interpreter.Truthy(a.Get(0, "case_sensitive", false));
                    var attribute = a.Get(1, "attribute") as string;
                    object? best = items[0];
                    foreach (var x in items.Skip(1))
                    {
                        var c = Operators.Order(it, Fold(Key(it, x, attribute), caseSensitive), Fold(Key(it, best, attribute), caseSensitive));
                        if (name == "max" ? c > 0 : c < 0) best = x;
                    }

                    return best;
                }

            case "select" or "reject": return Select(it, value, a, name == "select", attribute: false);
            case "selectattr" or "rejectattr": return Select(it, value, a, name == "selectattr", attribute: true);
            case "replace": return Methods.Replace(it, Str(it, value), a);
            case "reverse":
                {
                    if (value is string s)
                    {
                        var chars = s.ToCharArray();
                        Array.Reverse(chars);
                        return new string(chars);
                    }

                    var items = it.Iterate(value);
                    items.Reverse();
                    return new JinjaList(items);
                }

            case "round":
                {
                    var precision = (int)(Operators.Int(a.Get(0, "precision", 0L)) ?? 0);
                    var method = Str(it, a.Get(1, "method", "common"));
                    var x = Operators.ToDouble(value);
                    if (double.IsNaN(x) && value is not double) throw it.Error($"round needs a number, not '{Format.TypeName(value)}'");
                    var factor = Math.Pow(10, precision);
                    return method switch
                    {
                        "common" => Math.Round(x * factor, MidpointRounding.AwayFromZero) / factor,
                        "floor" => Math.Floor(x * factor) / factor,
                        "ceil" => Math.Ceiling(x * factor) / factor,
                        _ => throw it.Error("round: method must be 'common', 'floor' or 'ceil'"),
                    };
                }

            case "safe": return value;
            case "sort":
                {
                    var reverse = Interpreter.Truthy(a.Get(0, "reverse", false));
                    var caseSensitive = Interpreter.Truthy(a.Get(1, "case_sensitive", false));
                    var attribute = a.Get(2, "attribute") as string;
                    return new JinjaList(SortStable(it, it.Iterate(value), x => Fold(Key(it, x, attribute), caseSensitive), reverse));
                }

            case "string": return Format.Str(value, it.Dialect);
            case "sum":
                {
                    var attribute = a.Get(0, "attribute") as string;
                    object? total = a.Get(1, "start", 0L);
                    foreach (var x in it.Iterate(value)) total = Operators.Binary(it, "+", total, Key(it, x, attribute));
                    return total;
                }

            case "title": return Methods.Title(Str(it, value));
            case "tojson": return ToJson(it, value, a);
            case "trim":
                {
                    var s = Str(it, value);
                    var chars = a.Get(0, "chars");
                    return chars is string c ? s.Trim(c.ToCharArray()) : s.Trim();
                }

            case "unique":
                {
                    var caseSensitive = Interpreter.Truthy(a.Get(0, "case_sensitive", false));
                    var attribute = a.Get(1, "attribute") as string;
                    var seen = new List<object?>();
                    var result = new List<object?>();
                    foreach (var x in it.Iterate(value))
                    {
                        var key = Fold(Key(it, x, attribute), caseSensitive);
                        if (seen.Any(s => Operators.AreEqual(s, key, it.Dialect))) continue;
                        seen.Add(key);
                        result.Add(x);
                    }

                    return new JinjaList(result);
                }

            case "wordcount": return (long)Str(it, value).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
            default: throw it.Error($"filter '{name}' is not supported", TemplateErrorKind.Unsupported);
        }
    }

    public static bool Test(Interpreter it, string name, object? value, CallArguments a)
    {
        object? Arg() => a.Positional.Count > 0 ? a.Positional[0] : a.Named.Count > 0 ? a.Named[0].Value : throw it.Error($"test '{name}' needs an argument");
        switch (name)
        {
            case "defined": return value is not Undefined;
            case "undefined": return value is Undefined;
            case "none": return value is null;
            case "boolean": return value is bool;
            case "false": return value is false;
            case "true": return value is true;
            case "integer": return value is long;
            case "float": return value is double;
            case "number": return value is long or double or bool;
            case "string": return value is string;
            case "mapping": return value is JinjaDict { IsNamespace: false };
            case "iterable": return value is string or JinjaList or JinjaDict { IsNamespace: false } or Undefined;
            case "sequence": return value is string or JinjaList or JinjaDict { IsNamespace: false } or Undefined;
            case "callable": return value is JinjaCallable or JinjaLoop { Recurse: not null };
            case "odd": return (Operators.Int(value) ?? throw it.Error("odd needs an integer")) % 2 != 0;
            case "even": return (Operators.Int(value) ?? throw it.Error("even needs an integer")) % 2 == 0;
            case "divisibleby":
                {
                    var n = Operators.Int(Arg()) ?? throw it.Error("divisibleby needs an integer");
                    return n != 0 && (Operators.Int(value) ?? throw it.Error("divisibleby needs an integer")) % n == 0;
                }

            case "eq" or "equalto" or "==": return Operators.AreEqual(value, Arg(), it.Dialect);
            case "ne" or "!=": return !Operators.AreEqual(value, Arg(), it.Dialect);
            case "lt" or "lessthan" or "<": return Operators.Order(it, value, Arg()) < 0;
            case "le" or "<=": return Operators.Order(it, value, Arg()) <= 0;
            case "gt" or "greaterthan" or ">": return Operators.Order(it, value, Arg()) > 0;
            case "ge" or ">=": return Operators.Order(it, value, Arg()) >= 0;
            case "in": return Operators.Contains(it, Arg(), value);
            case "lower": return value is string s && s.Any(char.IsLetter) && !s.Any(char.IsUpper);
            case "upper": return value is string u && u.Any(char.IsLetter) && !u.Any(char.IsLower);
            case "sameas":
                {
                    var other = Arg();
                    return value is null or bool or Undefined || other is null or bool ? Equals(value, other) : ReferenceEquals(value, other);
                }

            case "escaped": return false;
            default: throw it.Error($"test '{name}' is not supported", TemplateErrorKind.Unsupported);
        }
    }

    /// <summary>The global functions every render sees.</summary>
    public static void AddGlobals(Scope globals, TimeProvider clock)
    {
        globals.Variables["range"] = new JinjaCallable("range", Range);
        globals.Variables["namespace"] = new JinjaCallable("namespace", (it, a) => Dict(it, a, isNamespace: true));
        globals.Variables["dict"] = new JinjaCallable("dict", (it, a) => Dict(it, a, isNamespace: false));
        globals.Variables["raise_exception"] = new JinjaCallable("raise_exception", (it, a) =>
            throw it.Error(Format.Str(a.Get(0, "message", ""), it.Dialect), TemplateErrorKind.Raised));
        globals.Variables["strftime_now"] = new JinjaCallable("strftime_now", (it, a) =>
            Strftime(it, clock.GetLocalNow().DateTime, Str(it, a.Get(0, "format"))));
    }

    private static object? Range(Interpreter it, CallArguments a)
    {
        long start = 0, stop, step = 1;
        long N(object? v) => Operators.Int(v) ?? throw it.Error($"range() needs integers, not '{Format.TypeName(v)}'");
        switch (a.Positional.Count)
        {
            case 1: stop = N(a.Positional[0]); break;
            case 2: start = N(a.Positional[0]); stop = N(a.Positional[1]); break;
            case 3: start = N(a.Positional[0]); stop = N(a.Positional[1]); step = N(a.Positional[2]); break;
            default: throw it.Error("range() takes 1 to 3 arguments");
        }

        if (step == 0) throw it.Error("range() step must not be zero");
        var count = step > 0 ? Math.Max(0, (stop - start + step - 1) / step) : Math.Max(0, (start - stop - step - 1) / -step);
        if (count > MaxRange) throw it.Error($"range() longer than {MaxRange}", TemplateErrorKind.Limit);
        var items = new List<object?>((int)count);
        for (long i = 0, v = start; i < count; i++, v += step) items.Add(v);
        return new JinjaList(items);
    }

    private static JinjaDict Dict(Interpreter it, CallArguments a, bool isNamespace)
    {
        var d = new JinjaDict(isNamespace);
        if (a.Positional.Count > 0)
        {
            if (a.Positional[0] is not JinjaDict source) throw it.Error($"{(isNamespace ? "namespace" : "dict")}() takes keyword arguments or one dict");
            foreach (var (k, v) in source.Items) d.Items[k] = v;
        }

        foreach (var (k, v) in a.Named) d.Items[k] = v;
        return d;
    }

    private static string Str(Interpreter it, object? value) => Format.Str(value, it.Dialect);

    private static object? Length(Interpreter it, object? value) => value switch
    {
        string s => (long)new StringInfoLength(s).Length,
        JinjaList l => (long)l.Count,
        JinjaDict d => (long)d.Count,
        Undefined => 0L,
        _ => throw it.Error($"object of type '{Format.TypeName(value)}' has no len()"),
    };

    /// <summary>Python counts code points, not UTF-16 units.</summary>
    private readonly struct StringInfoLength(string s)
    {
        public int Length
        {
            get
            {
                var n = 0;
                for (var i = 0; i < s.Length; i++)
                {
                    if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) i++;
                    n++;
                }

                return n;
            }
        }
    }

    private static object? Fold(object? v, bool caseSensitive) => !caseSensitive && v is string s ? s.ToLowerInvariant() : v;

    private static object? Key(Interpreter it, object? item, string? attribute) => attribute is null ? item : Path(it, item, attribute);

    /// <summary>jinja2's attribute paths: <c>details.priority</c>, with integer parts as indices.</summary>
    private static object? Path(Interpreter it, object? item, string path)
    {
        foreach (var part in path.Split('.'))
        {
            if (item is Undefined) return item;
            item = long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var index) && item is JinjaList
                ? it.GetItem(item, index)
                : item is JinjaDict d && d.Items.TryGetValue(part, out var v) ? v : it.GetAttribute(item, part);
        }

        return item;
    }

    private static List<object?> SortStable(Interpreter it, List<object?> items, Func<object?, object?> key, bool reverse)
    {
        var keyed = items.Select((x, i) => (Item: x, Key: key(x), Index: i)).ToList();
        keyed.Sort((p, q) =>
        {
            var c = Operators.Order(it, p.Key, q.Key);
            if (reverse) c = -c;
            return c != 0 ? c : p.Index.CompareTo(q.Index);
        });
        return [.. keyed.Select(p => p.Item)];
    }

    private static JinjaList Map(Interpreter it, object? value, CallArguments a)
    {
        var items = it.Iterate(value);
        var result = new List<object?>(items.Count);
        var attribute = a.Named.FirstOrDefault(p => p.Key == "attribute").Value;
        if (attribute is not null)
        {
            var fallback = a.Named.FirstOrDefault(p => p.Key == "default").Value;
            var path = Str(it, attribute);
            foreach (var x in items)
            {
                var v = Path(it, x, path);
                result.Add(v is Undefined && fallback is not null ? fallback : v);
            }

            return new JinjaList(result);
        }

        if (a.Positional.Count == 0) throw it.Error("map needs a filter name or attribute=");
        var filter = Str(it, a.Positional[0]);
        if (!HasFilter(filter)) throw it.Error($"filter '{filter}' is not supported", TemplateErrorKind.Unsupported);
        var rest = new CallArguments([.. a.Positional.Skip(1)], a.Named);
        foreach (var x in items) result.Add(Filter(it, filter, x, rest));
        return new JinjaList(result);
    }

    private static JinjaList Select(Interpreter it, object? value, CallArguments a, bool keep, bool attribute)
    {
        var items = it.Iterate(value);
        var offset = attribute ? 1 : 0;
        var attr = attribute ? Str(it, a.Get(0, "attribute")) : null;
        var test = a.Positional.Count > offset ? Str(it, a.Positional[offset]) : null;
        if (test is not null && !HasTest(test)) throw it.Error($"test '{test}' is not supported", TemplateErrorKind.Unsupported);
        var testArgs = new CallArguments([.. a.Positional.Skip(offset + 1)], [.. a.Named.Where(p => p.Key != "attribute")]);
        var result = new List<object?>();
        foreach (var x in items)
        {
            it.Tick();
            var v = attr is null ? x : Path(it, x, attr);
            var passed = test is null ? Interpreter.Truthy(v) : Test(it, test, v, testArgs);
            if (passed == keep) result.Add(x);
        }

        return new JinjaList(result);
    }

    private static string Indent(Interpreter it, string s, CallArguments a)
    {
        var width = a.Get(0, "width", 4L);
        var indentation = width is string w ? w : new string(' ', (int)(Operators.Int(width) ?? 4));
        var first = Interpreter.Truthy(a.Get(1, "first", false));
        var blank = Interpreter.Truthy(a.Get(2, "blank", false));
        s += "\n"; // jinja2 appends one so that splitlines keeps a trailing empty line
        var lines = SplitLines(s);
        string rv;
        if (blank) rv = string.Join("\n" + indentation, lines);
        else
        {
            rv = lines[0];
            if (lines.Count > 1) rv += "\n" + string.Join("\n", lines.Skip(1).Select(l => l.Length > 0 ? indentation + l : l));
        }

        return first ? indentation + rv : rv;
    }

    /// <summary>Python's str.splitlines for '\n' text: no final empty piece after a trailing newline.</summary>
    private static List<string> SplitLines(string s)
    {
        var parts = s.Split('\n').ToList();
        if (parts.Count > 0 && parts[^1].Length == 0) parts.RemoveAt(parts.Count - 1);
        if (parts.Count == 0) parts.Add("");
        return parts;
    }

    private static string ToJson(Interpreter it, object? value, CallArguments a)
    {
        var indentArg = a.Get(1, "indent");
        int? indent = indentArg is null or Undefined ? null : (int?)(Operators.Int(indentArg) ?? throw it.Error("tojson: indent must be an integer"));
        var (item, key) = (", ", ": ");
        if (indent is not null) item = ",";
        if (a.Get(2, "separators") is JinjaList { Count: 2 } seps)
        {
            item = Str(it, seps.Items[0]);
            key = Str(it, seps.Items[1]);
        }

        var options = new Format.JsonOptions(indent, item, key, Interpreter.Truthy(a.Get(0, "ensure_ascii", false)), Interpreter.Truthy(a.Get(3, "sort_keys", false)), null);
        try { return Format.Json(value, options); }
        catch (InvalidOperationException ex) { throw it.Error("tojson: " + ex.Message); }
    }

    private static string Escape(string s) =>
        s.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal)
            .Replace("\"", "&#34;", StringComparison.Ordinal).Replace("'", "&#39;", StringComparison.Ordinal);

    /// <summary>The strftime directives chat templates use (dates in system prompts).</summary>
    private static string Strftime(Interpreter it, DateTime t, string format)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        for (var i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i + 1 >= format.Length) { sb.Append(format[i]); continue; }
            var c = format[++i];
            sb.Append(c switch
            {
                'd' => t.ToString("dd", inv),
                'm' => t.ToString("MM", inv),
                'Y' => t.ToString("yyyy", inv),
                'y' => t.ToString("yy", inv),
                'b' => t.ToString("MMM", inv),
                'B' => t.ToString("MMMM", inv),
                'a' => t.ToString("ddd", inv),
                'A' => t.ToString("dddd", inv),
                'H' => t.ToString("HH", inv),
                'I' => t.ToString("hh", inv),
                'M' => t.ToString("mm", inv),
                'S' => t.ToString("ss", inv),
                'p' => t.Hour < 12 ? "AM" : "PM",
                'j' => t.DayOfYear.ToString("000", inv),
                '%' => "%",
                _ => throw it.Error($"strftime_now: directive '%{c}' is not supported", TemplateErrorKind.Unsupported),
            });
        }

        return sb.ToString();
    }
}
