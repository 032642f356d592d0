namespace InferenceScaling.Answers;

/// <summary>Which convention a final answer was read from, in the order extractors try them.</summary>
public enum AnswerSource
{
    /// <summary>The last <c>\boxed{...}</c> (MATH convention).</summary>
    Boxed,
    /// <summary><c>#### x</c> (GSM8K convention).</summary>
    Hashes,
    /// <summary><c>Final Answer: The final answer is x</c>.</summary>
    FinalAnswer,
    /// <summary><c>Answer: x</c> or <c>The answer is x</c>.</summary>
    AnswerLine,
    /// <summary>The configurable fallback: the last number in the text.</summary>
    LastNumber,
}
