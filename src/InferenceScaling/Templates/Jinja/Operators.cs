namespace InferenceScaling.Templates.Jinja;

/// <summary>Arithmetic and comparison with Python's rules (int stays int, / is true division, // and % floor).</summary>
internal static class Operators
{
    /// <summary>Bound on string and list repetition (<c>'-' * n</c>), so a template cannot allocate without limit.</summary>
    private const long MaxRepeat = 1_000_000;

    public static object? Binary(Interpreter it, string op, object? left, object? right)
    {
        if (op == "~") return Format.Str(left, it.Dialect) + Format.Str(right, it.Dialect);
        if (op == "+")
        {
            if (left is string ls && right is string rs) return ls + rs;
            if (left is JinjaList ll && right is JinjaList rl) return new JinjaList([.. ll.Items, .. rl.Items], ll.IsTuple && rl.IsTuple);
            // huggingface.js joins a string and a number; Python refuses. Following the lenient side renders every
            // template Python renders, the same way.
            if ((left is string && right is long or double or bool) || (right is string && left is long or double or bool))
                return Format.Str(left, it.Dialect) + Format.Str(right, it.Dialect);
        }

        if (op == "*")
        {
            if (left is string s && Int(right) is { } n) return Repeat(it, s, n);
            if (right is string s2 && Int(left) is { } n2) return Repeat(it, s2, n2);
            if (left is JinjaList l && Int(right) is { } n3)
            {
                if (n3 * l.Count > MaxRepeat) throw it.Error("list repetition too long", TemplateErrorKind.Limit);
                var items = new List<object?>();
                for (var i = 0; i < n3; i++) items.AddRange(l.Items);
                return new JinjaList(items, l.IsTuple);
            }
        }

        if (left is Undefined || right is Undefined)
            throw it.Error($"an undefined value used with '{op}'");
        if (!IsNumber(left) || !IsNumber(right))
            throw it.Error($"unsupported operand types for {op}: '{Format.TypeName(left)}' and '{Format.TypeName(right)}'");

        if (Int(left) is { } a && Int(right) is { } b)
        {
            switch (op)
            {
                case "+": return a + b;
                case "-": return a - b;
                case "*": return a * b;
                case "/":
                    if (b == 0) throw it.Error("division by zero");
                    return (double)a / b;
                case "//":
                    if (b == 0) throw it.Error("integer division by zero");
                    return FloorDiv(a, b);
                case "%":
                    if (b == 0) throw it.Error("integer modulo by zero");
                    return a - (b * FloorDiv(a, b));
                case "**":
                    return b >= 0 ? (object)checked((long)Math.Pow(a, b)) : Math.Pow(a, b);
            }
        }

        var x = ToDouble(left);
        var y = ToDouble(right);
        switch (op)
        {
            case "+": return x + y;
            case "-": return x - y;
            case "*": return x * y;
            case "/":
                if (y == 0) throw it.Error("float division by zero");
                return x / y;
            case "//":
                if (y == 0) throw it.Error("float floor division by zero");
                return Math.Floor(x / y);
            case "%":
                if (y == 0) throw it.Error("float modulo");
                return x - (y * Math.Floor(x / y));
            case "**": return Math.Pow(x, y);
        }

        throw it.Error($"operator '{op}' is not supported", TemplateErrorKind.Unsupported);
    }

    private static string Repeat(Interpreter it, string s, long n)
    {
        if (n <= 0) return "";
        if (n * s.Length > MaxRepeat) throw it.Error("string repetition too long", TemplateErrorKind.Limit);
        return string.Concat(Enumerable.Repeat(s, (int)n));
    }

    private static long FloorDiv(long a, long b)
    {
        var q = a / b;
        if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
        return q;
    }

    public static bool IsNumber(object? v) => v is long or double or bool;

    public static long? Int(object? v) => v switch
    {
        long l => l,
        bool b => b ? 1 : 0,
        _ => null,
    };

    public static double ToDouble(object? v) => v switch
    {
        long l => l,
        double d => d,
        bool b => b ? 1 : 0,
        _ => double.NaN,
    };

    public static bool Compare(Interpreter it, string op, object? left, object? right)
    {
        switch (op)
        {
            case "==": return AreEqual(left, right, it.Dialect);
            case "!=": return !AreEqual(left, right, it.Dialect);
            case "in": return Contains(it, right, left);
            case "not in": return !Contains(it, right, left);
        }

        var c = Order(it, left, right);
        return op switch
        {
            "<" => c < 0,
            ">" => c > 0,
            "<=" => c <= 0,
            ">=" => c >= 0,
            _ => throw it.Error($"operator '{op}' is not supported", TemplateErrorKind.Unsupported),
        };
    }

    /// <summary>Python's ordering; comparing unlike types is a TypeError there, and an error here.</summary>
    public static int Order(Interpreter it, object? left, object? right)
    {
        // Equal "nothing" values sort as equal (huggingface.js sorts [none, none]; Python would refuse).
        if ((left is null && right is null) || (left is Undefined && right is Undefined)) return 0;
        if (IsNumber(left) && IsNumber(right))
        {
            if (Int(left) is { } a && Int(right) is { } b) return a.CompareTo(b);
            return ToDouble(left).CompareTo(ToDouble(right));
        }

        if (left is string ls && right is string rs) return string.CompareOrdinal(ls, rs) switch { < 0 => -1, > 0 => 1, _ => 0 };
        if (left is JinjaList ll && right is JinjaList rl)
        {
            for (var i = 0; i < Math.Min(ll.Count, rl.Count); i++)
            {
                if (AreEqual(ll.Items[i], rl.Items[i], it.Dialect)) continue;
                return Order(it, ll.Items[i], rl.Items[i]);
            }

            return ll.Count.CompareTo(rl.Count);
        }

        throw it.Error($"'<' not supported between '{Format.TypeName(left)}' and '{Format.TypeName(right)}'");
    }

    public static bool AreEqual(object? a, object? b, Dialect dialect)
    {
        if (a is null || b is null) return a is null && b is null;
        if (a is Undefined || b is Undefined) return a is Undefined && b is Undefined;
        if (dialect == Dialect.JavaScript && (a is bool) != (b is bool)) return false;
        if (IsNumber(a) && IsNumber(b))
        {
            if (Int(a) is { } x && Int(b) is { } y) return x == y;
            return ToDouble(a) == ToDouble(b);
        }

        switch (a)
        {
            case string s: return b is string t && s == t;
            case JinjaList l:
                if (b is not JinjaList m || l.Count != m.Count) return false;
                for (var i = 0; i < l.Count; i++)
                    if (!AreEqual(l.Items[i], m.Items[i], dialect)) return false;
                return true;
            case JinjaDict d:
                if (b is not JinjaDict e || d.Count != e.Count) return false;
                foreach (var (k, v) in d.Items)
                    if (!e.Items.TryGetValue(k, out var w) || !AreEqual(v, w, dialect)) return false;
                return true;
            default:
                return ReferenceEquals(a, b);
        }
    }

    public static bool Contains(Interpreter it, object? container, object? item)
    {
        switch (container)
        {
            case string s:
                if (item is not string sub) throw it.Error($"'in <string>' requires a string on the left, not '{Format.TypeName(item)}'");
                return s.Contains(sub, StringComparison.Ordinal);
            case JinjaList l:
                foreach (var x in l.Items)
                    if (AreEqual(x, item, it.Dialect)) return true;
                return false;
            case JinjaDict d:
                return item is string key && d.Items.ContainsKey(key);
            case Undefined:
                return false;
            default:
                throw it.Error($"argument of type '{Format.TypeName(container)}' is not iterable");
        }
    }
}
