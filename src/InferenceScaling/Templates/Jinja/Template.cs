namespace InferenceScaling.Templates.Jinja;

/// <summary>A parsed Jinja template: parse once, render many times (thread-safe: each render has its own state).</summary>
internal sealed class Template
{
    private readonly IReadOnlyList<Stmt> _body;
    private readonly SourceMap _map;

    private Template(string source, IReadOnlyList<Stmt> body, SourceMap map)
    {
        Source = source;
        _body = body;
        _map = map;
    }

    public string Source { get; }

    /// <exception cref="TemplateException">The template is not valid, or uses a construct this engine lacks.</exception>
    public static Template Parse(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var map = new SourceMap(source);
        return new Template(source, Parser.Parse(source, map), map);
    }

    /// <exception cref="TemplateException">Rendering failed; the position names the construct.</exception>
    public string Render(IReadOnlyDictionary<string, object?> variables, Dialect dialect = Dialect.Python, RenderLimits? limits = null, TimeProvider? clock = null)
    {
        var globals = new Scope(null);
        Builtins.AddGlobals(globals, clock ?? TimeProvider.System);
        var context = new Scope(globals);
        foreach (var (k, v) in variables) context.Variables[k] = v;
        var interpreter = new Interpreter(_map, dialect, limits ?? RenderLimits.Default);
        try
        {
            return interpreter.Render(_body, context);
        }
        catch (OverflowException)
        {
            throw interpreter.Error("integer overflow");
        }
        catch (InsufficientExecutionStackException)
        {
            throw interpreter.Error("template nested too deeply", TemplateErrorKind.Limit);
        }
    }
}
