namespace InferenceScaling.Answers;

/// <summary>Reads the final answer from a trace's text.</summary>
/// <remarks>Implementations must be thread-safe and run in time linear in the text length.</remarks>
public interface IAnswerExtractor
{
    /// <summary>The final answer, or null when the trace holds none (for example, it was cut off): such a trace casts no vote.</summary>
    ExtractedAnswer? Extract(string text);
}
