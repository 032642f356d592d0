using System.Globalization;

namespace InferenceScaling.Templates.Jinja;

/// <summary>
/// Builds the syntax tree from the lexer's tokens, with jinja2's operator precedence (or, and, not, comparisons,
/// + -, ~, * / // %, **, unary signs, then postfix access, filters and tests). Names of filters and tests are checked
/// here, so a template that needs one this engine lacks fails when it is loaded, not halfway through a request.
/// </summary>
internal sealed class Parser
{
    /// <summary>Nesting bound for expressions and blocks: the parser recurses, and a template is untrusted input.</summary>
    private const int MaxDepth = 200;

    private readonly List<Token> _tokens;
    private readonly SourceMap _map;
    private int _pos;
    private int _depth;

    private Parser(List<Token> tokens, SourceMap map)
    {
        _tokens = tokens;
        _map = map;
    }

    public static IReadOnlyList<Stmt> Parse(string source, SourceMap map)
    {
        var parser = new Parser(Lexer.Tokenize(source, map), map);
        var body = parser.ParseBody(static _ => false, "template");
        if (parser.Current.Kind != TokenKind.End) throw parser.Error(parser.Current, $"unexpected {parser.Current}");
        return body;
    }

    private Token Current => _tokens[_pos];

    private Token Peek(int ahead = 1) => _tokens[Math.Min(_pos + ahead, _tokens.Count - 1)];

    private Token Next() => _tokens[_pos++];

    private TemplateException Error(Token at, string detail, TemplateErrorKind kind = TemplateErrorKind.Syntax) => _map.Error(kind, at.Offset, detail);

    private Token Expect(TokenKind kind, string? value = null)
    {
        var t = Current;
        if (t.Kind != kind || (value is not null && t.Value != value))
        {
            var wanted = value is not null ? $"'{value}'" : kind switch
            {
                TokenKind.Name => "a name",
                TokenKind.VariableEnd => "'}}'",
                TokenKind.BlockEnd => "'%}'",
                _ => kind.ToString(),
            };
            throw Error(t, $"expected {wanted}, found {t}");
        }

        _pos++;
        return t;
    }

    private bool AcceptOperator(string op)
    {
        if (!Current.IsOperator(op)) return false;
        _pos++;
        return true;
    }

    private bool AcceptName(string name)
    {
        if (!Current.IsName(name)) return false;
        _pos++;
        return true;
    }

    private void Enter(Token at)
    {
        if (++_depth > MaxDepth) throw Error(at, $"nesting deeper than {MaxDepth}", TemplateErrorKind.Limit);
    }

    /// <summary>Parses statements until a block tag whose name satisfies <paramref name="isEnd"/> (left unconsumed, after its '{%').</summary>
    private List<Stmt> ParseBody(Func<string, bool> isEnd, string what)
    {
        var body = new List<Stmt>();
        while (true)
        {
            var t = Current;
            switch (t.Kind)
            {
                case TokenKind.End:
                    if (what == "template") return body;
                    throw Error(t, $"'{what}' not closed before the end of the template");
                case TokenKind.Text:
                    _pos++;
                    body.Add(new TextStmt(t.Offset, t.Value));
                    break;
                case TokenKind.VariableBegin:
                    _pos++;
                    var value = ParseTuple(withCondition: true);
                    Expect(TokenKind.VariableEnd);
                    body.Add(new OutputStmt(t.Offset, value));
                    break;
                case TokenKind.BlockBegin:
                    var name = Peek();
                    if (name.Kind == TokenKind.Name && isEnd(name.Value))
                    {
                        _pos++; // '{%'; the caller reads the tag name
                        return body;
                    }

                    _pos++;
                    body.Add(ParseStatement(t));
                    break;
                default:
                    throw Error(t, $"unexpected {t}");
            }
        }
    }

    private Stmt ParseStatement(Token begin)
    {
        var name = Current;
        if (name.Kind != TokenKind.Name) throw Error(name, $"expected a statement name, found {name}");
        Enter(name);
        try
        {
            _pos++;
            switch (name.Value)
            {
                case "if": return ParseIf(begin);
                case "for": return ParseFor(begin);
                case "set": return ParseSet(begin);
                case "macro": return ParseMacro(begin);
                case "call": return ParseCallBlock(begin);
                case "filter": return ParseFilterBlock(begin);
                case "generation":
                    // transformers' {% generation %} marks assistant text for masks; it renders its body unchanged.
                    Expect(TokenKind.BlockEnd);
                    var body = ParseBody(n => n == "endgeneration", "generation");
                    EndTag("endgeneration");
                    return new BodyStmt(begin.Offset, body);
                case "break":
                    Expect(TokenKind.BlockEnd);
                    return new BreakStmt(name.Offset);
                case "continue":
                    Expect(TokenKind.BlockEnd);
                    return new ContinueStmt(name.Offset);
                case "elif" or "else" or "endif" or "endfor" or "endset" or "endmacro" or "endcall" or "endfilter" or "endgeneration":
                    throw Error(name, $"'{name.Value}' without its opening statement");
                default:
                    throw Error(name, $"statement '{name.Value}' is not supported", TemplateErrorKind.Unsupported);
            }
        }
        finally { _depth--; }
    }

    private void EndTag(string name)
    {
        Expect(TokenKind.Name, name);
        Expect(TokenKind.BlockEnd);
    }

    private IfStmt ParseIf(Token begin)
    {
        var branches = new List<(Expr, IReadOnlyList<Stmt>)>();
        IReadOnlyList<Stmt> elseBody = [];
        var test = ParseTuple(withCondition: false);
        Expect(TokenKind.BlockEnd);
        while (true)
        {
            var body = ParseBody(n => n is "elif" or "else" or "endif", "if");
            branches.Add((test, body));
            var tag = Next();
            if (tag.Value == "elif")
            {
                test = ParseTuple(withCondition: false);
                Expect(TokenKind.BlockEnd);
                continue;
            }

            Expect(TokenKind.BlockEnd);
            if (tag.Value == "else")
            {
                elseBody = ParseBody(n => n == "endif", "if");
                EndTag("endif");
            }

            return new IfStmt(begin.Offset, branches, elseBody);
        }
    }

    private ForStmt ParseFor(Token begin)
    {
        var target = ParseAssignTarget(allowNamespace: false);
        Expect(TokenKind.Name, "in");
        var iterable = ParseTuple(withCondition: false, stopAtIf: true);
        Expr? filter = null;
        if (AcceptName("if")) filter = ParseExpression(withCondition: true);
        var recursive = AcceptName("recursive");
        Expect(TokenKind.BlockEnd);
        var body = ParseBody(n => n is "else" or "endfor", "for");
        IReadOnlyList<Stmt> elseBody = [];
        if (Next().Value == "else")
        {
            Expect(TokenKind.BlockEnd);
            elseBody = ParseBody(n => n == "endfor", "for");
            Next();
        }

        Expect(TokenKind.BlockEnd);
        return new ForStmt(begin.Offset, target, iterable, filter, body, elseBody, recursive);
    }

    private Stmt ParseSet(Token begin)
    {
        var target = ParseAssignTarget(allowNamespace: true);
        if (AcceptOperator("="))
        {
            var value = ParseTuple(withCondition: true);
            Expect(TokenKind.BlockEnd);
            return new SetStmt(begin.Offset, target, value);
        }

        var filters = new List<FilterExpr>();
        while (AcceptOperator("|")) filters.Add(ParseFilter(null));
        Expect(TokenKind.BlockEnd);
        var body = ParseBody(n => n == "endset", "set");
        EndTag("endset");
        return new SetBlockStmt(begin.Offset, target, filters, body);
    }

    private MacroStmt ParseMacro(Token begin)
    {
        var name = Expect(TokenKind.Name).Value;
        var parameters = ParseParameters();
        Expect(TokenKind.BlockEnd);
        var body = ParseBody(n => n == "endmacro", "macro");
        Expect(TokenKind.Name, "endmacro");
        if (Current.Kind == TokenKind.Name) _pos++; // {% endmacro name %}
        Expect(TokenKind.BlockEnd);
        return new MacroStmt(begin.Offset, name, parameters, body);
    }

    private List<MacroParameter> ParseParameters()
    {
        var parameters = new List<MacroParameter>();
        Expect(TokenKind.Operator, "(");
        while (!AcceptOperator(")"))
        {
            if (parameters.Count > 0) Expect(TokenKind.Operator, ",");
            if (AcceptOperator(")")) break;
            var name = Expect(TokenKind.Name).Value;
            Expr? value = AcceptOperator("=") ? ParseExpression(withCondition: true) : null;
            parameters.Add(new MacroParameter(name, value));
        }

        return parameters;
    }

    private CallBlockStmt ParseCallBlock(Token begin)
    {
        var callerParameters = Current.IsOperator("(") ? ParseParameters() : [];
        var at = Current;
        if (ParseExpression(withCondition: true) is not CallExpr call) throw Error(at, "expected a macro call after 'call'");
        Expect(TokenKind.BlockEnd);
        var body = ParseBody(n => n == "endcall", "call");
        EndTag("endcall");
        return new CallBlockStmt(begin.Offset, call, callerParameters, body);
    }

    private FilterBlockStmt ParseFilterBlock(Token begin)
    {
        var filters = new List<FilterExpr> { ParseFilter(null) };
        while (AcceptOperator("|")) filters.Add(ParseFilter(null));
        Expect(TokenKind.BlockEnd);
        var body = ParseBody(n => n == "endfilter", "filter");
        EndTag("endfilter");
        return new FilterBlockStmt(begin.Offset, filters, body);
    }

    private Expr ParseAssignTarget(bool allowNamespace)
    {
        var start = Current;
        Expr ParseOne()
        {
            var t = Current;
            if (AcceptOperator("("))
            {
                var inner = ParseTargetList(")");
                return inner;
            }

            if (t.Kind != TokenKind.Name) throw Error(t, $"cannot assign to {t}");
            _pos++;
            if (allowNamespace && Current.IsOperator(".") && Peek().Kind == TokenKind.Name)
            {
                _pos++;
                var attr = Next();
                return new AttributeExpr(t.Offset, new NameExpr(t.Offset, t.Value), attr.Value);
            }

            return new NameExpr(t.Offset, t.Value);
        }

        ListExpr ParseTargetList(string close)
        {
            var items = new List<Expr>();
            while (!AcceptOperator(close))
            {
                if (items.Count > 0) Expect(TokenKind.Operator, ",");
                if (AcceptOperator(close)) break;
                items.Add(ParseOne());
            }

            return new ListExpr(start.Offset, items, IsTuple: true);
        }

        var first = ParseOne();
        if (!Current.IsOperator(",")) return first;
        var all = new List<Expr> { first };
        while (AcceptOperator(","))
        {
            if (Current.IsName("in") || Current.IsOperator("=")) break;
            all.Add(ParseOne());
        }

        return new ListExpr(start.Offset, all, IsTuple: true);
    }

    /// <summary>An expression, or several separated by commas (a tuple), as jinja2's parse_tuple.</summary>
    private Expr ParseTuple(bool withCondition, bool stopAtIf = false)
    {
        var start = Current;
        var first = ParseExpression(withCondition);
        if (!Current.IsOperator(",")) return first;
        var items = new List<Expr> { first };
        while (AcceptOperator(","))
        {
            if (IsTupleEnd(stopAtIf)) break;
            items.Add(ParseExpression(withCondition));
        }

        return new ListExpr(start.Offset, items, IsTuple: true);
    }

    private bool IsTupleEnd(bool stopAtIf) =>
        Current.Kind is TokenKind.VariableEnd or TokenKind.BlockEnd or TokenKind.End
        || Current.IsOperator(")") || (stopAtIf && (Current.IsName("if") || Current.IsName("recursive")));

    private Expr ParseExpression(bool withCondition)
    {
        Enter(Current);
        try
        {
            var expr = ParseOr();
            if (!withCondition) return expr;
            while (Current.IsName("if"))
            {
                var at = Next();
                var test = ParseOr();
                Expr? otherwise = AcceptName("else") ? ParseExpression(withCondition: true) : null;
                expr = new ConditionalExpr(at.Offset, test, expr, otherwise);
            }

            return expr;
        }
        finally { _depth--; }
    }

    private Expr ParseOr()
    {
        var left = ParseAnd();
        while (Current.IsName("or"))
        {
            var at = Next();
            left = new BinaryExpr(at.Offset, "or", left, ParseAnd());
        }

        return left;
    }

    private Expr ParseAnd()
    {
        var left = ParseNot();
        while (Current.IsName("and"))
        {
            var at = Next();
            left = new BinaryExpr(at.Offset, "and", left, ParseNot());
        }

        return left;
    }

    private Expr ParseNot()
    {
        if (Current.IsName("not") && !Peek().IsName("in"))
        {
            var at = Next();
            Enter(at);
            try { return new UnaryExpr(at.Offset, "not", ParseNot()); }
            finally { _depth--; }
        }

        return ParseCompare();
    }

    private Expr ParseCompare()
    {
        var start = Current;
        var first = ParseMath1();
        var rest = new List<(string, Expr)>();
        while (true)
        {
            var t = Current;
            if (t.Kind == TokenKind.Operator && t.Value is "==" or "!=" or "<" or ">" or "<=" or ">=")
            {
                _pos++;
                rest.Add((t.Value, ParseMath1()));
            }
            else if (t.IsName("in"))
            {
                _pos++;
                rest.Add(("in", ParseMath1()));
            }
            else if (t.IsName("not") && Peek().IsName("in"))
            {
                _pos += 2;
                rest.Add(("not in", ParseMath1()));
            }
            else break;
        }

        return rest.Count == 0 ? first : new CompareExpr(start.Offset, first, rest);
    }

    private Expr ParseMath1()
    {
        var left = ParseConcat();
        while (Current.Kind == TokenKind.Operator && Current.Value is "+" or "-")
        {
            var at = Next();
            left = new BinaryExpr(at.Offset, at.Value, left, ParseConcat());
        }

        return left;
    }

    private Expr ParseConcat()
    {
        var left = ParseMath2();
        while (Current.IsOperator("~"))
        {
            var at = Next();
            left = new BinaryExpr(at.Offset, "~", left, ParseMath2());
        }

        return left;
    }

    private Expr ParseMath2()
    {
        var left = ParsePow();
        while (Current.Kind == TokenKind.Operator && Current.Value is "*" or "/" or "//" or "%")
        {
            var at = Next();
            left = new BinaryExpr(at.Offset, at.Value, left, ParsePow());
        }

        return left;
    }

    private Expr ParsePow()
    {
        var left = ParseUnary(withFilter: true);
        while (Current.IsOperator("**"))
        {
            var at = Next();
            left = new BinaryExpr(at.Offset, "**", left, ParseUnary(withFilter: true));
        }

        return left;
    }

    private Expr ParseUnary(bool withFilter)
    {
        var t = Current;
        Expr node;
        if (t.IsOperator("-") || t.IsOperator("+"))
        {
            _pos++;
            Enter(t);
            try { node = new UnaryExpr(t.Offset, t.Value, ParseUnary(withFilter: false)); }
            finally { _depth--; }
        }
        else node = ParsePrimary();

        node = ParsePostfix(node);
        return withFilter ? ParseFilterChain(node) : node;
    }

    private Expr ParsePrimary()
    {
        var t = Current;
        switch (t.Kind)
        {
            case TokenKind.Name:
                _pos++;
                return t.Value switch
                {
                    "true" or "True" => new LiteralExpr(t.Offset, true),
                    "false" or "False" => new LiteralExpr(t.Offset, false),
                    "none" or "None" => new LiteralExpr(t.Offset, null),
                    _ => new NameExpr(t.Offset, t.Value),
                };
            case TokenKind.String:
                _pos++;
                var text = t.Value;
                while (Current.Kind == TokenKind.String) text += Next().Value; // 'a' 'b' is 'ab', as in Python
                return new LiteralExpr(t.Offset, text);
            case TokenKind.Integer:
                _pos++;
                if (long.TryParse(t.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var l)) return new LiteralExpr(t.Offset, l);
                return new LiteralExpr(t.Offset, double.Parse(t.Value, CultureInfo.InvariantCulture));
            case TokenKind.Float:
                _pos++;
                return new LiteralExpr(t.Offset, double.Parse(t.Value, NumberStyles.Float, CultureInfo.InvariantCulture));
            case TokenKind.Operator when t.Value == "(":
                _pos++;
                if (AcceptOperator(")")) return new ListExpr(t.Offset, [], IsTuple: true);
                var first = ParseExpression(withCondition: true);
                if (AcceptOperator(")")) return first;
                var items = new List<Expr> { first };
                while (AcceptOperator(","))
                {
                    if (Current.IsOperator(")")) break;
                    items.Add(ParseExpression(withCondition: true));
                }

                Expect(TokenKind.Operator, ")");
                return new ListExpr(t.Offset, items, IsTuple: true);
            case TokenKind.Operator when t.Value == "[":
                _pos++;
                var list = new List<Expr>();
                while (!AcceptOperator("]"))
                {
                    if (list.Count > 0) Expect(TokenKind.Operator, ",");
                    if (AcceptOperator("]")) break;
                    list.Add(ParseExpression(withCondition: true));
                }

                return new ListExpr(t.Offset, list, IsTuple: false);
            case TokenKind.Operator when t.Value == "{":
                _pos++;
                var pairs = new List<(Expr, Expr)>();
                while (!AcceptOperator("}"))
                {
                    if (pairs.Count > 0) Expect(TokenKind.Operator, ",");
                    if (AcceptOperator("}")) break;
                    var key = ParseExpression(withCondition: true);
                    Expect(TokenKind.Operator, ":");
                    pairs.Add((key, ParseExpression(withCondition: true)));
                }

                return new DictExpr(t.Offset, pairs);
            default:
                throw Error(t, $"expected an expression, found {t}");
        }
    }

    private Expr ParsePostfix(Expr node)
    {
        while (true)
        {
            var t = Current;
            if (t.IsOperator("."))
            {
                _pos++;
                var name = Next();
                node = name.Kind switch
                {
                    TokenKind.Name => new AttributeExpr(t.Offset, node, name.Value),
                    TokenKind.Integer => new ItemExpr(t.Offset, node, new LiteralExpr(name.Offset, long.Parse(name.Value, CultureInfo.InvariantCulture))),
                    _ => throw Error(name, $"expected an attribute name after '.', found {name}"),
                };
            }
            else if (t.IsOperator("["))
            {
                _pos++;
                node = ParseSubscript(t, node);
            }
            else if (t.IsOperator("("))
            {
                _pos++;
                node = new CallExpr(t.Offset, node, ParseCallArguments());
            }
            else return node;
        }
    }

    private Expr ParseSubscript(Token open, Expr target)
    {
        Expr? start = null, stop = null, step = null;
        if (!Current.IsOperator(":")) start = ParseExpression(withCondition: true);
        if (AcceptOperator("]"))
            return new ItemExpr(open.Offset, target, start ?? throw Error(open, "empty subscript"));
        Expect(TokenKind.Operator, ":");
        if (!Current.IsOperator(":") && !Current.IsOperator("]")) stop = ParseExpression(withCondition: true);
        if (AcceptOperator(":") && !Current.IsOperator("]")) step = ParseExpression(withCondition: true);
        Expect(TokenKind.Operator, "]");
        return new SliceExpr(open.Offset, target, start, stop, step);
    }

    /// <summary>Arguments after '(' up to and including ')'.</summary>
    private Arguments ParseCallArguments()
    {
        var positional = new List<Expr>();
        var named = new List<(string, Expr)>();
        Expr? star = null, doubleStar = null;
        var first = true;
        while (!AcceptOperator(")"))
        {
            if (!first) Expect(TokenKind.Operator, ",");
            first = false;
            if (AcceptOperator(")")) break;
            if (AcceptOperator("*")) { star = ParseExpression(withCondition: true); continue; }
            if (AcceptOperator("**")) { doubleStar = ParseExpression(withCondition: true); continue; }
            if (Current.Kind == TokenKind.Name && Peek().IsOperator("="))
            {
                var name = Next().Value;
                _pos++;
                named.Add((name, ParseExpression(withCondition: true)));
                continue;
            }

            if (named.Count > 0) throw Error(Current, "positional argument after a keyword argument");
            positional.Add(ParseExpression(withCondition: true));
        }

        return new Arguments(positional, named, star, doubleStar);
    }

    private Expr ParseFilterChain(Expr node)
    {
        while (true)
        {
            if (AcceptOperator("|")) node = ParseFilter(node);
            else if (Current.IsName("is")) node = ParseTest(node);
            else if (Current.IsOperator("("))
            {
                var at = Next();
                node = new CallExpr(at.Offset, node, ParseCallArguments());
            }
            else return node;
        }
    }

    private FilterExpr ParseFilter(Expr? target)
    {
        var name = Expect(TokenKind.Name);
        var full = name.Value;
        while (Current.IsOperator(".") && Peek().Kind == TokenKind.Name)
        {
            _pos++;
            full += "." + Next().Value;
        }

        if (!Builtins.HasFilter(full)) throw Error(name, $"filter '{full}' is not supported", TemplateErrorKind.Unsupported);
        var args = AcceptOperator("(") ? ParseCallArguments() : Arguments.None;
        return new FilterExpr(name.Offset, target, full, args);
    }

    private TestExpr ParseTest(Expr target)
    {
        var isToken = Next();
        var negated = AcceptName("not");
        var name = Expect(TokenKind.Name);
        if (!Builtins.HasTest(name.Value)) throw Error(name, $"test '{name.Value}' is not supported", TemplateErrorKind.Unsupported);
        var args = Arguments.None;
        if (AcceptOperator("(")) args = ParseCallArguments();
        else if (Current.Kind is TokenKind.Name or TokenKind.String or TokenKind.Integer or TokenKind.Float
                 || Current.IsOperator("[") || Current.IsOperator("{"))
        {
            if (!(Current.IsName("else") || Current.IsName("or") || Current.IsName("and") || Current.IsName("if")
                  || Current.IsName("not") || Current.IsName("in")))
            {
                if (Current.IsName("is")) throw Error(Current, "tests cannot be chained with 'is'");
                args = new Arguments([ParsePostfix(ParsePrimary())], [], null, null);
            }
        }

        return new TestExpr(isToken.Offset, target, name.Value, args, negated);
    }
}
