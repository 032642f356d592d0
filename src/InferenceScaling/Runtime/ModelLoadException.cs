namespace InferenceScaling.Runtime;

/// <summary>
/// A model folder does not fit the contract (missing file, missing tensor, unexpected rank or type, tokenizer that
/// cannot load, execution provider that cannot start). The message names the file and the problem.
/// </summary>
public sealed class ModelLoadException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ModelLoadException(string message) : base(message) { }

    /// <summary>Creates the exception with the error that caused it.</summary>
    public ModelLoadException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Creates the exception with no message (prefer the other constructors).</summary>
    public ModelLoadException() { }
}
