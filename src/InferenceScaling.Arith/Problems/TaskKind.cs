namespace InferenceScaling.Arith;

/// <summary>The three skills the shipped model is trained on.</summary>
public enum TaskKind
{
    /// <summary>Question → step-by-step solution ending in <c>Answer: x</c>.</summary>
    Solve,
    /// <summary>Question + candidate solution → step-by-step re-check ending in a verdict.</summary>
    Check,
    /// <summary>Question + flawed solution + its check → corrected solution.</summary>
    Fix,
}
