namespace InferenceScaling.Templates;

/// <summary>
/// A chat template that cannot be parsed or rendered. <see cref="Line"/> and <see cref="Column"/> (1-based) name the
/// place in the template source; the message starts with them.
/// </summary>
public sealed class TemplateException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TemplateException(TemplateErrorKind kind, int line, int column, string detail)
        : base($"chat template line {line}, column {column}: {detail}")
    {
        Kind = kind;
        Line = line;
        Column = column;
        Detail = detail;
    }

    /// <summary>What kind of failure.</summary>
    public TemplateErrorKind Kind { get; }

    /// <summary>1-based line in the template source.</summary>
    public int Line { get; }

    /// <summary>1-based column in the template source.</summary>
    public int Column { get; }

    /// <summary>The failure without its position (for <see cref="TemplateErrorKind.Raised"/>, the template's own message).</summary>
    public string Detail { get; }
}
