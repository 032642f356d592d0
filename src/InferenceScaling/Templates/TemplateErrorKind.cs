namespace InferenceScaling.Templates;

/// <summary>What went wrong in a chat template (<see cref="TemplateException.Kind"/>).</summary>
public enum TemplateErrorKind
{
    /// <summary>The template is not valid Jinja (an unclosed tag or string, an unexpected token).</summary>
    Syntax,

    /// <summary>Valid Jinja that this engine does not implement (a statement, filter, test or method); fails at parse.</summary>
    Unsupported,

    /// <summary>An error while rendering (a type error, an unknown function, a limit reached).</summary>
    Runtime,

    /// <summary>The template itself called <c>raise_exception(message)</c>, as templates do to refuse a conversation.</summary>
    Raised,

    /// <summary>A sandbox bound was reached (loop iterations, recursion, output size).</summary>
    Limit,
}
