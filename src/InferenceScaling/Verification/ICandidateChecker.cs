namespace InferenceScaling.Verification;

/// <summary>
/// The checking seam: judges one candidate solution and says how likely it is correct. Verification ranks candidates
/// with it and refinement critiques with it. Implemented by <see cref="SolutionChecker"/> (the model writes a
/// critique) and <c>StepScoreChecker</c> (the model's belief in each written step, read by scoring).
/// </summary>
public interface ICandidateChecker
{
    /// <summary>Most tokens one check may generate (what a token budget must have left before a check runs).</summary>
    int MaxTokens { get; }

    /// <summary>Checks one candidate solution.</summary>
    /// <param name="question">The question.</param>
    /// <param name="solution">The candidate solution text (trimmed before use).</param>
    /// <param name="answer">The solution's answer, for the record (and, where the checker uses it, for consistency).</param>
    /// <param name="answerKey">The answer's group key, for the record.</param>
    /// <param name="solutionTraceIndex">The solution trace's index, for the record.</param>
    /// <param name="streamIndex">The check's random stream; irrelevant when greedy.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>The check, with its verdict, score and cost. <see cref="Usage.WallTime"/> is left zero: the stage that
    /// runs the check times it on the pipeline's clock.</returns>
    Task<VerificationCheck> CheckAsync(
        string question,
        string solution,
        string? answer,
        string? answerKey,
        int? solutionTraceIndex = null,
        int streamIndex = 0,
        CancellationToken cancellationToken = default);
}
