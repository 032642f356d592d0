using InferenceScaling.Answers;

namespace InferenceScaling.Evaluation;

/// <summary>A line of a predictions file that cannot be graded (not JSON, not an object, or missing a field).</summary>
public sealed class GradeInputException : FormatException
{
    /// <summary>An error about line <paramref name="lineNumber"/>; the message names the line.</summary>
    public GradeInputException(int lineNumber, string problem, Exception? innerException = null)
        : base($"line {lineNumber}: {problem}", innerException)
    {
        LineNumber = lineNumber;
    }

    /// <summary>The 1-based line number.</summary>
    public int LineNumber { get; }
}
