namespace InferenceScaling.Answers;

/// <summary>Settings for <see cref="MathAnswerExtractor"/>.</summary>
public sealed record AnswerExtractorOptions
{
    /// <summary>The defaults: <see cref="FallbackToLastNumber"/> on.</summary>
    public static AnswerExtractorOptions Default { get; } = new();

    /// <summary>
    /// When the text holds no answer marker at all (no <c>\boxed</c>, <c>####</c>, <c>Final Answer</c>, <c>Answer:</c> or
    /// <c>answer is</c>), take the last number in the text as the answer. Default: true.
    /// </summary>
    /// <remarks>
    /// The fallback never applies when a marker is present but its answer is missing or unfinished (<c>Answer:</c> at the
    /// very end, an unclosed <c>\boxed{</c>): that trace was cut off in its answer and casts no vote. Nor does it apply
    /// when the text ends in an operator or <c>=</c> (<c>19*3=</c>), because the last number is then an operand, not a
    /// result. A trace cut off before it wrote any answer line can still end on a number; the voting layer discards traces
    /// that finished with <see cref="Sampling.FinishReason.Length"/> for that reason.
    /// </remarks>
    public bool FallbackToLastNumber { get; init; } = true;
}
