namespace InferenceScaling;

/// <summary>
/// Why an answer stopped spending. Listed from least to most binding: when usages are added
/// (<see cref="Usage.Add"/>) the later-listed reason wins, so a combined report names the limit that bit hardest.
/// </summary>
public enum StopReason
{
    /// <summary>The work ran to its plan: every sample the budget asked for was drawn (no early stop was requested).</summary>
    Completed,
    /// <summary>Early stop: the posterior probability that the leader stays ahead reached <see cref="Budget.TargetConfidence"/>.</summary>
    Decided,
    /// <summary>Early stop: a full window of consecutive votes all named the leading answer (ESC).</summary>
    Unanimous,
    /// <summary>Early stopping was requested, but <see cref="Budget.MaxSamples"/> was reached before the vote was decided.</summary>
    MaxSamples,
    /// <summary><see cref="Budget.MaxGeneratedTokens"/> left no room for another sample.</summary>
    MaxTokens,
    /// <summary><see cref="Budget.Deadline"/> passed: running traces were cancelled and the best answer so far returned.</summary>
    Deadline,
    /// <summary>The caller cancelled. Only reported by stages that return partial results; solvers throw <see cref="OperationCanceledException"/>.</summary>
    Cancelled,
}
