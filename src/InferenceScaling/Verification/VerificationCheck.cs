using InferenceScaling.Sampling;

namespace InferenceScaling.Verification;

/// <summary>One check of one candidate solution: what the model wrote, the verdict read from it, its score and cost.</summary>
public sealed record VerificationCheck
{
    /// <summary>The group key of the checked answer, or null when the checked solution holds no answer.</summary>
    public required string? AnswerKey { get; init; }

    /// <summary>The checked answer as written, or null.</summary>
    public required string? Answer { get; init; }

    /// <summary>The checked solution text, as placed in the critique prompt (trimmed).</summary>
    public required string Solution { get; init; }

    /// <summary>The <see cref="Trace.Index"/> of the checked solution trace (in its own request), or null when not from a trace.</summary>
    public int? SolutionTraceIndex { get; init; }

    /// <summary>The check's text as generated.</summary>
    public required string Text { get; init; }

    /// <summary>The verdict read from <see cref="Text"/>.</summary>
    public required VerdictKind Verdict { get; init; }

    /// <summary>The faulty step a "wrong" verdict names, or null.</summary>
    public int? WrongStep { get; init; }

    /// <summary>
    /// The probability the model gave the first token of the verdict word it wrote (at the verdict position), or null
    /// when there is no verdict or the position could not be found in the trace's tokens.
    /// </summary>
    public double? VerdictProbability { get; init; }

    /// <summary>
    /// The check's score: the probability that the solution is correct by this check, in [0, 1], or null for no
    /// verdict. See <see cref="SolutionChecker"/> for how it is read from the log-probabilities.
    /// </summary>
    public double? CorrectProbability { get; init; }

    /// <summary>The steps a <c>StepScoreChecker</c> scored, in order (null for a written critique).</summary>
    public IReadOnlyList<StepScore>? Steps { get; init; }

    /// <summary>Why the check stopped (a check cut off before its verdict has no verdict).</summary>
    public required FinishReason FinishReason { get; init; }

    /// <summary>What the check cost (one prefill, one sample).</summary>
    public required Usage Usage { get; init; }
}
