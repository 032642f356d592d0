using System.Text;

namespace InferenceScaling.Templates.Jinja;

/// <summary>Bounds that keep an untrusted template from running away.</summary>
internal sealed record RenderLimits(int MaxOutputChars = 4_000_000, long MaxIterations = 1_000_000, int MaxCallDepth = 64)
{
    public static readonly RenderLimits Default = new();
}

/// <summary>Variables of one scope; lookups fall through to the enclosing scope.</summary>
internal sealed class Scope(Scope? parent)
{
    public Dictionary<string, object?> Variables { get; } = new(StringComparer.Ordinal);

    public Scope? Parent { get; } = parent;

    public bool TryGet(string name, out object? value)
    {
        for (var s = this; s is not null; s = s.Parent)
            if (s.Variables.TryGetValue(name, out value)) return true;
        value = null;
        return false;
    }
}

/// <summary>
/// Renders a parsed template: jinja2 semantics for scoping (a for loop's assignments stay inside it; namespaces
/// carry values out), truthiness, <c>and</c>/<c>or</c> returning an operand, Undefined, loop variables, macros and
/// <c>caller</c>. Only the value types in <c>Values.cs</c> exist for a template; it cannot reach .NET objects.
/// </summary>
internal sealed class Interpreter
{
    private enum Flow { Normal, Break, Continue }

    private readonly SourceMap _map;
    private readonly RenderLimits _limits;
    private long _iterations;
    private int _callDepth;

    public Interpreter(SourceMap map, Dialect dialect, RenderLimits limits)
    {
        _map = map;
        Dialect = dialect;
        _limits = limits;
    }

    public Dialect Dialect { get; }

    /// <summary>Offset of the node being evaluated, for errors raised by built-ins.</summary>
    public int CurrentOffset { get; private set; }

    public TemplateException Error(string detail, TemplateErrorKind kind = TemplateErrorKind.Runtime) => _map.Error(kind, CurrentOffset, detail);

    public string Render(IReadOnlyList<Stmt> body, Scope globals)
    {
        var output = new StringBuilder();
        var flow = Execute(body, new Scope(globals), output);
        if (flow != Flow.Normal) throw Error("'break' or 'continue' outside a loop");
        return output.ToString();
    }

    private void Write(StringBuilder output, string text)
    {
        if (output.Length + text.Length > _limits.MaxOutputChars)
            throw Error($"output longer than {_limits.MaxOutputChars} characters", TemplateErrorKind.Limit);
        output.Append(text);
    }

    public void Tick()
    {
        if (++_iterations > _limits.MaxIterations) throw Error($"more than {_limits.MaxIterations} loop iterations", TemplateErrorKind.Limit);
    }

    private Flow Execute(IReadOnlyList<Stmt> body, Scope scope, StringBuilder output)
    {
        foreach (var stmt in body)
        {
            CurrentOffset = stmt.Offset;
            switch (stmt)
            {
                case TextStmt t:
                    Write(output, t.Text);
                    break;
                case OutputStmt o:
                    Write(output, Format.Str(Evaluate(o.Value, scope), Dialect));
                    break;
                case IfStmt i:
                    {
                        var taken = false;
                        foreach (var (test, branch) in i.Branches)
                        {
                            if (!Truthy(Evaluate(test, scope))) continue;
                            taken = true;
                            var f = Execute(branch, scope, output);
                            if (f != Flow.Normal) return f;
                            break;
                        }

                        if (!taken)
                        {
                            var f = Execute(i.Else, scope, output);
                            if (f != Flow.Normal) return f;
                        }

                        break;
                    }

                case ForStmt f:
                    ExecuteFor(f, Evaluate(f.Iterable, scope), scope, output, 0);
                    break;
                case SetStmt s:
                    Assign(s.Target, Evaluate(s.Value, scope), scope);
                    break;
                case SetBlockStmt sb:
                    {
                        var captured = new StringBuilder();
                        var f = Execute(sb.Body, scope, captured);
                        if (f != Flow.Normal) return f;
                        object? value = captured.ToString();
                        foreach (var filter in sb.Filters) value = ApplyFilter(filter, value, scope);
                        Assign(sb.Target, value, scope);
                        break;
                    }

                case MacroStmt m:
                    scope.Variables[m.Name] = MakeMacro(m.Name, m.Parameters, m.Body, scope, caller: null);
                    break;
                case CallBlockStmt c:
                    {
                        var caller = MakeMacro("caller", c.CallerParameters, c.Body, scope, caller: null);
                        var callee = Evaluate(c.Call.Callee, scope);
                        var args = EvaluateArguments(c.Call.Args, scope);
                        CurrentOffset = c.Offset;
                        var result = callee is JinjaCallable fn
                            ? InvokeWithCaller(fn, args, caller)
                            : throw Error($"'{Format.TypeName(callee)}' object is not callable");
                        Write(output, Format.Str(result, Dialect));
                        break;
                    }

                case FilterBlockStmt fb:
                    {
                        var captured = new StringBuilder();
                        var f = Execute(fb.Body, scope, captured);
                        if (f != Flow.Normal) return f;
                        object? value = captured.ToString();
                        foreach (var filter in fb.Filters) value = ApplyFilter(filter, value, scope);
                        Write(output, Format.Str(value, Dialect));
                        break;
                    }

                case BodyStmt b:
                    {
                        var f = Execute(b.Body, scope, output);
                        if (f != Flow.Normal) return f;
                        break;
                    }

                case BreakStmt: return Flow.Break;
                case ContinueStmt: return Flow.Continue;
                default: throw Error($"statement {stmt.GetType().Name} cannot be rendered", TemplateErrorKind.Unsupported);
            }
        }

        return Flow.Normal;
    }

    private void ExecuteFor(ForStmt f, object? iterable, Scope scope, StringBuilder output, int depth)
    {
        CurrentOffset = f.Offset;
        var source = Iterate(iterable);
        var loopScope = new Scope(scope);
        List<object?> items;
        if (f.Filter is null) items = source;
        else
        {
            items = [];
            foreach (var item in source)
            {
                Tick();
                Assign(f.Target, item, loopScope);
                if (Truthy(Evaluate(f.Filter, loopScope))) items.Add(item);
            }
        }

        JinjaCallable? recurse = f.Recursive
            ? new JinjaCallable("loop", (interp, a) =>
            {
                var nested = new StringBuilder();
                interp.ExecuteFor(f, a.Get(0, "iterable"), scope, nested, depth + 1);
                return nested.ToString();
            })
            : null;
        var loop = new JinjaLoop { Items = items, Depth0 = depth, Recurse = recurse };
        loopScope.Variables["loop"] = loop;
        for (var i = 0; i < items.Count; i++)
        {
            Tick();
            loop.Index0 = i;
            Assign(f.Target, items[i], loopScope);
            var flow = Execute(f.Body, loopScope, output);
            if (flow == Flow.Break) break;
        }

        if (items.Count == 0) Execute(f.Else, new Scope(scope), output);
    }

    /// <summary>The items a for loop walks: a list's items, a dict's keys, a string's characters; Undefined is empty.</summary>
    public List<object?> Iterate(object? value) => value switch
    {
        JinjaList l => [.. l.Items],
        JinjaDict d => [.. d.Items.Keys],
        string s => Chars(s),
        Undefined => [],
        _ => throw Error($"'{Format.TypeName(value)}' object is not iterable"),
    };

    private static List<object?> Chars(string s)
    {
        var list = new List<object?>(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) { list.Add(s.Substring(i, 2)); i++; }
            else list.Add(s[i].ToString());
        }

        return list;
    }

    private void Assign(Expr target, object? value, Scope scope)
    {
        switch (target)
        {
            case NameExpr n:
                scope.Variables[n.Name] = value;
                return;
            case AttributeExpr { Target: NameExpr ns } a:
                if (!scope.TryGet(ns.Name, out var holder) || holder is not JinjaDict { IsNamespace: true } nsDict)
                {
                    CurrentOffset = a.Offset;
                    throw Error($"cannot assign attribute '{a.Name}' on '{ns.Name}': not a namespace()");
                }

                nsDict.Items[a.Name] = value;
                return;
            case ListExpr { IsTuple: true } tuple:
                var items = value is JinjaList l ? l.Items : value is string or JinjaDict ? Iterate(value) : null;
                CurrentOffset = tuple.Offset;
                if (items is null) throw Error($"cannot unpack a '{Format.TypeName(value)}'");
                if (items.Count != tuple.Items.Count) throw Error($"expected {tuple.Items.Count} values to unpack, got {items.Count}");
                for (var i = 0; i < items.Count; i++) Assign(tuple.Items[i], items[i], scope);
                return;
            default:
                CurrentOffset = target.Offset;
                throw Error("cannot assign to this expression");
        }
    }

    private JinjaCallable MakeMacro(string name, IReadOnlyList<MacroParameter> parameters, IReadOnlyList<Stmt> body, Scope closure, JinjaCallable? caller)
    {
        return new JinjaCallable(name, (interp, args) => interp.RunMacro(name, parameters, body, closure, args, caller));
    }

    private object? InvokeWithCaller(JinjaCallable fn, CallArguments args, JinjaCallable caller)
    {
        // The macro's body sees 'caller': pass it as a named argument only macros understand.
        var named = new List<KeyValuePair<string, object?>>(args.Named) { new("caller", caller) };
        return fn.Invoke(this, new CallArguments(args.Positional, named));
    }

    private string RunMacro(string name, IReadOnlyList<MacroParameter> parameters, IReadOnlyList<Stmt> body, Scope closure, CallArguments args, JinjaCallable? caller)
    {
        if (++_callDepth > _limits.MaxCallDepth)
        {
            _callDepth--;
            throw Error($"macro calls nested deeper than {_limits.MaxCallDepth}", TemplateErrorKind.Limit);
        }

        var offset = CurrentOffset;
        try
        {
            var scope = new Scope(closure);
            var extra = new List<object?>();
            for (var i = 0; i < args.Positional.Count; i++)
            {
                if (i < parameters.Count) scope.Variables[parameters[i].Name] = args.Positional[i];
                else extra.Add(args.Positional[i]);
            }

            var kwargs = new JinjaDict();
            foreach (var (k, v) in args.Named)
            {
                if (k == "caller" && v is JinjaCallable) { scope.Variables["caller"] = v; continue; }
                if (parameters.Any(p => p.Name == k)) scope.Variables[k] = v;
                else kwargs.Items[k] = v;
            }

            foreach (var p in parameters)
            {
                if (scope.Variables.ContainsKey(p.Name)) continue;
                scope.Variables[p.Name] = p.Default is null ? Undefined.Instance : Evaluate(p.Default, scope);
            }

            if (caller is not null) scope.Variables["caller"] = caller;
            scope.Variables["varargs"] = new JinjaList(extra, isTuple: true);
            scope.Variables["kwargs"] = kwargs;
            var output = new StringBuilder();
            Execute(body, scope, output);
            return output.ToString();
        }
        finally
        {
            _callDepth--;
            CurrentOffset = offset;
        }
    }

    public object? Evaluate(Expr expr, Scope scope)
    {
        CurrentOffset = expr.Offset;
        switch (expr)
        {
            case LiteralExpr l: return l.Value;
            case NameExpr n: return scope.TryGet(n.Name, out var v) ? v : Undefined.Instance;
            case ListExpr list:
                {
                    var items = new List<object?>(list.Items.Count);
                    foreach (var item in list.Items) items.Add(Evaluate(item, scope));
                    return new JinjaList(items, list.IsTuple);
                }

            case DictExpr d:
                {
                    var dict = new JinjaDict();
                    foreach (var (k, val) in d.Pairs)
                    {
                        var key = Evaluate(k, scope);
                        CurrentOffset = k.Offset;
                        if (key is not string ks) throw Error($"dict keys must be strings here, not '{Format.TypeName(key)}'", TemplateErrorKind.Unsupported);
                        dict.Items[ks] = Evaluate(val, scope);
                    }

                    return dict;
                }

            case AttributeExpr a:
                {
                    var target = Evaluate(a.Target, scope);
                    CurrentOffset = a.Offset;
                    return GetAttribute(target, a.Name, a.Target);
                }

            case ItemExpr i:
                {
                    var target = Evaluate(i.Target, scope);
                    var index = Evaluate(i.Index, scope);
                    CurrentOffset = i.Offset;
                    return GetItem(target, index, i.Target);
                }

            case SliceExpr s:
                {
                    var target = Evaluate(s.Target, scope);
                    var start = s.Start is null ? null : Evaluate(s.Start, scope);
                    var stop = s.Stop is null ? null : Evaluate(s.Stop, scope);
                    var step = s.Step is null ? null : Evaluate(s.Step, scope);
                    CurrentOffset = s.Offset;
                    return Slice(target, start, stop, step);
                }

            case CallExpr c:
                {
                    var callee = Evaluate(c.Callee, scope);
                    var args = EvaluateArguments(c.Args, scope);
                    CurrentOffset = c.Offset;
                    return callee switch
                    {
                        JinjaCallable fn => fn.Invoke(this, args),
                        JinjaLoop { Recurse: { } r } => r.Invoke(this, args),
                        Undefined => throw Error($"'{Describe(c.Callee)}' is undefined"),
                        _ => throw Error($"'{Format.TypeName(callee)}' object is not callable"),
                    };
                }

            case FilterExpr f:
                return ApplyFilter(f, f.Target is null ? Undefined.Instance : Evaluate(f.Target, scope), scope);
            case TestExpr t:
                {
                    var value = Evaluate(t.Target, scope);
                    var args = EvaluateArguments(t.Args, scope);
                    CurrentOffset = t.Offset;
                    var result = Builtins.Test(this, t.Name, value, args);
                    return t.Negated ? !result : result;
                }

            case UnaryExpr u:
                {
                    var operand = Evaluate(u.Operand, scope);
                    CurrentOffset = u.Offset;
                    return u.Op switch
                    {
                        "not" => !Truthy(operand),
                        "-" => operand switch
                        {
                            long x => (object)(-x),
                            double x => -x,
                            bool b => b ? -1L : 0L,
                            _ => throw Error($"bad operand type for unary -: '{Format.TypeName(operand)}'"),
                        },
                        _ => operand switch
                        {
                            long or double => operand,
                            bool b => b ? 1L : 0L,
                            _ => throw Error($"bad operand type for unary +: '{Format.TypeName(operand)}'"),
                        },
                    };
                }

            case BinaryExpr b:
                {
                    var left = Evaluate(b.Left, scope);
                    if (b.Op == "and") return Truthy(left) ? Evaluate(b.Right, scope) : left;
                    if (b.Op == "or") return Truthy(left) ? left : Evaluate(b.Right, scope);
                    var right = Evaluate(b.Right, scope);
                    CurrentOffset = b.Offset;
                    return Operators.Binary(this, b.Op, left, right);
                }

            case CompareExpr cmp:
                {
                    var left = Evaluate(cmp.First, scope);
                    foreach (var (op, rightExpr) in cmp.Rest)
                    {
                        var right = Evaluate(rightExpr, scope);
                        CurrentOffset = rightExpr.Offset;
                        if (!Operators.Compare(this, op, left, right)) return false;
                        left = right;
                    }

                    return true;
                }

            case ConditionalExpr ce:
                return Truthy(Evaluate(ce.Test, scope)) ? Evaluate(ce.Then, scope) : ce.Else is null ? Undefined.Instance : Evaluate(ce.Else, scope);
            default:
                throw Error($"expression {expr.GetType().Name} cannot be evaluated", TemplateErrorKind.Unsupported);
        }
    }

    private static string Describe(Expr e) => e switch
    {
        NameExpr n => n.Name,
        AttributeExpr a => Describe(a.Target) + "." + a.Name,
        _ => "value",
    };

    private CallArguments EvaluateArguments(Arguments a, Scope scope)
    {
        if (a.Positional.Count == 0 && a.Named.Count == 0 && a.Star is null && a.DoubleStar is null) return CallArguments.Empty;
        var positional = new List<object?>(a.Positional.Count);
        foreach (var p in a.Positional) positional.Add(Evaluate(p, scope));
        if (a.Star is not null)
        {
            var star = Evaluate(a.Star, scope);
            positional.AddRange(Iterate(star));
        }

        var named = new List<KeyValuePair<string, object?>>(a.Named.Count);
        foreach (var (k, e) in a.Named) named.Add(new(k, Evaluate(e, scope)));
        if (a.DoubleStar is not null)
        {
            if (Evaluate(a.DoubleStar, scope) is not JinjaDict d) throw Error("argument after ** must be a dict");
            foreach (var (k, v) in d.Items) named.Add(new(k, v));
        }

        return new CallArguments(positional, named);
    }

    private object? ApplyFilter(FilterExpr f, object? value, Scope scope)
    {
        var args = EvaluateArguments(f.Args, scope);
        CurrentOffset = f.Offset;
        return Builtins.Filter(this, f.Name, value, args);
    }

    /// <summary><c>x.name</c>: a method or a key of a dict (methods first, as getattr), a string method, a loop field.</summary>
    public object? GetAttribute(object? target, string name, Expr? source = null)
    {
        switch (target)
        {
            case JinjaDict d:
                if (!d.IsNamespace && Methods.ForDict(d, name) is { } method) return method;
                return d.Items.TryGetValue(name, out var v) ? v : Undefined.Instance;
            case string s:
                return Methods.ForString(s, name) ?? (object)Undefined.Instance;
            case JinjaLoop loop:
                return loop.Attribute(name);
            case JinjaList l:
                return Methods.ForList(l, name) ?? (object)Undefined.Instance;
            case Undefined:
                throw Error($"'{(source is null ? "value" : Describe(source))}' is undefined (reading '{name}')");
            default:
                return Undefined.Instance;
        }
    }

    /// <summary><c>x[key]</c>: list and string indices (negative from the end), dict keys; missing is Undefined.</summary>
    public object? GetItem(object? target, object? index, Expr? source = null)
    {
        switch (target)
        {
            case JinjaList l when index is long or bool:
                {
                    var i = ToIndex(index);
                    if (i < 0) i += l.Count;
                    return i >= 0 && i < l.Count ? l.Items[(int)i] : Undefined.Instance;
                }

            case string s when index is long or bool:
                {
                    var i = ToIndex(index);
                    if (i < 0) i += s.Length;
                    return i >= 0 && i < s.Length ? s[(int)i].ToString() : Undefined.Instance;
                }

            case JinjaDict d when index is string key:
                if (d.Items.TryGetValue(key, out var v)) return v;
                return !d.IsNamespace && Methods.ForDict(d, key) is { } m ? m : Undefined.Instance;
            case JinjaLoop loop when index is string key:
                return loop.Attribute(key);
            case Undefined:
                throw Error($"'{(source is null ? "value" : Describe(source))}' is undefined (reading an item)");
            default:
                return Undefined.Instance;
        }
    }

    private static long ToIndex(object? index) => index is bool b ? (b ? 1 : 0) : (long)index!;

    private object? Slice(object? target, object? start, object? stop, object? step)
    {
        long? Int(object? v, string what) => v switch
        {
            null or Undefined => null,
            long l => l,
            bool b => b ? 1 : 0,
            _ => throw Error($"slice {what} must be an integer or none"),
        };

        var st = Int(step, "step") ?? 1;
        if (st == 0) throw Error("slice step cannot be zero");
        int length = target switch
        {
            JinjaList l => l.Count,
            string s => s.Length,
            Undefined => throw Error("cannot slice an undefined value"),
            _ => throw Error($"'{Format.TypeName(target)}' object is not subscriptable"),
        };
        var (from, to) = SliceBounds(Int(start, "start"), Int(stop, "stop"), st, length);
        var indices = new List<int>();
        if (st > 0) for (var i = from; i < to; i += st) indices.Add((int)i);
        else for (var i = from; i > to; i += st) indices.Add((int)i);
        if (target is JinjaList list)
        {
            var items = new List<object?>(indices.Count);
            foreach (var i in indices) items.Add(list.Items[i]);
            return new JinjaList(items, list.IsTuple);
        }

        var text = (string)target!;
        var sb = new StringBuilder(indices.Count);
        foreach (var i in indices) sb.Append(text[i]);
        return sb.ToString();
    }

    /// <summary>Python's slice.indices.</summary>
    private static (long From, long To) SliceBounds(long? start, long? stop, long step, int length)
    {
        long Clamp(long v, long lo, long hi) => Math.Min(Math.Max(v, lo), hi);
        if (step > 0)
        {
            var from = start is { } s ? (s < 0 ? Clamp(s + length, 0, length) : Clamp(s, 0, length)) : 0;
            var to = stop is { } e ? (e < 0 ? Clamp(e + length, 0, length) : Clamp(e, 0, length)) : length;
            return (from, to);
        }
        else
        {
            var from = start is { } s ? (s < 0 ? Clamp(s + length, -1, length - 1) : Clamp(s, -1, length - 1)) : length - 1;
            var to = stop is { } e ? (e < 0 ? Clamp(e + length, -1, length - 1) : Clamp(e, -1, length - 1)) : -1;
            return (from, to);
        }
    }

    public static bool Truthy(object? value) => value switch
    {
        null or Undefined => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        JinjaList l => l.Count > 0,
        JinjaDict d => d.IsNamespace || d.Count > 0,
        _ => true,
    };
}
