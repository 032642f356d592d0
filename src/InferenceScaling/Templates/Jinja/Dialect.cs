namespace InferenceScaling.Templates.Jinja;

/// <summary>
/// Where Python's jinja2 (what Hugging Face transformers renders with) and huggingface.js's engine differ, which one to
/// follow. Only printing values and bool/number equality differ among the constructs implemented here.
/// </summary>
internal enum Dialect
{
    /// <summary>Python: <c>True</c>, <c>None</c>, <c>['a', 1]</c>, <c>True == 1</c>. The default, as transformers renders.</summary>
    Python,

    /// <summary>huggingface.js: <c>true</c>, <c>null</c>, <c>["a", 1]</c> (JSON-like), booleans never equal numbers. For its test suite.</summary>
    JavaScript,
}
