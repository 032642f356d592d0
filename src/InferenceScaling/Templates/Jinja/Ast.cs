namespace InferenceScaling.Templates.Jinja;

// The syntax tree. Every node keeps the source offset it starts at, so a runtime error names its line and column.

internal abstract record Node(int Offset);

internal abstract record Expr(int Offset) : Node(Offset);

internal sealed record LiteralExpr(int Offset, object? Value) : Expr(Offset);

internal sealed record NameExpr(int Offset, string Name) : Expr(Offset);

internal sealed record ListExpr(int Offset, IReadOnlyList<Expr> Items, bool IsTuple) : Expr(Offset);

internal sealed record DictExpr(int Offset, IReadOnlyList<(Expr Key, Expr Value)> Pairs) : Expr(Offset);

internal sealed record AttributeExpr(int Offset, Expr Target, string Name) : Expr(Offset);

internal sealed record ItemExpr(int Offset, Expr Target, Expr Index) : Expr(Offset);

internal sealed record SliceExpr(int Offset, Expr Target, Expr? Start, Expr? Stop, Expr? Step) : Expr(Offset);

internal sealed record Arguments(IReadOnlyList<Expr> Positional, IReadOnlyList<(string Name, Expr Value)> Named, Expr? Star, Expr? DoubleStar)
{
    public static readonly Arguments None = new([], [], null, null);
}

internal sealed record CallExpr(int Offset, Expr Callee, Arguments Args) : Expr(Offset);

internal sealed record FilterExpr(int Offset, Expr? Target, string Name, Arguments Args) : Expr(Offset);

internal sealed record TestExpr(int Offset, Expr Target, string Name, Arguments Args, bool Negated) : Expr(Offset);

internal sealed record UnaryExpr(int Offset, string Op, Expr Operand) : Expr(Offset);

internal sealed record BinaryExpr(int Offset, string Op, Expr Left, Expr Right) : Expr(Offset);

internal sealed record CompareExpr(int Offset, Expr First, IReadOnlyList<(string Op, Expr Right)> Rest) : Expr(Offset);

internal sealed record ConditionalExpr(int Offset, Expr Test, Expr Then, Expr? Else) : Expr(Offset);

internal abstract record Stmt(int Offset) : Node(Offset);

internal sealed record TextStmt(int Offset, string Text) : Stmt(Offset);

internal sealed record OutputStmt(int Offset, Expr Value) : Stmt(Offset);

internal sealed record IfStmt(int Offset, IReadOnlyList<(Expr Test, IReadOnlyList<Stmt> Body)> Branches, IReadOnlyList<Stmt> Else) : Stmt(Offset);

internal sealed record ForStmt(int Offset, Expr Target, Expr Iterable, Expr? Filter, IReadOnlyList<Stmt> Body, IReadOnlyList<Stmt> Else, bool Recursive) : Stmt(Offset);

internal sealed record SetStmt(int Offset, Expr Target, Expr Value) : Stmt(Offset);

internal sealed record SetBlockStmt(int Offset, Expr Target, IReadOnlyList<FilterExpr> Filters, IReadOnlyList<Stmt> Body) : Stmt(Offset);

internal sealed record MacroParameter(string Name, Expr? Default);

internal sealed record MacroStmt(int Offset, string Name, IReadOnlyList<MacroParameter> Parameters, IReadOnlyList<Stmt> Body) : Stmt(Offset);

internal sealed record CallBlockStmt(int Offset, CallExpr Call, IReadOnlyList<MacroParameter> CallerParameters, IReadOnlyList<Stmt> Body) : Stmt(Offset);

internal sealed record FilterBlockStmt(int Offset, IReadOnlyList<FilterExpr> Filters, IReadOnlyList<Stmt> Body) : Stmt(Offset);

internal sealed record BodyStmt(int Offset, IReadOnlyList<Stmt> Body) : Stmt(Offset);

internal sealed record BreakStmt(int Offset) : Stmt(Offset);

internal sealed record ContinueStmt(int Offset) : Stmt(Offset);
