namespace InferenceScaling.Verification;

/// <summary>
/// The checks run during one solve call, by checker, question and (trimmed) solution text: how stages share what they
/// learned. Verification records its checks; refinement critiques through it, so a solution verification (or an earlier
/// round) already checked is not checked again, whichever order the stages were added in. Not thread-safe.
/// </summary>
internal sealed class CheckCache
{
    /// <summary>The first check with a verdict of each solution, per checker.</summary>
    private readonly Dictionary<(ICandidateChecker Checker, string Question, string Solution), VerificationCheck> _checks = [];

    /// <summary>The first check with a verdict that <paramref name="checker"/> ran of <paramref name="solution"/>, or null.</summary>
    public VerificationCheck? Find(ICandidateChecker checker, string question, string solution) =>
        _checks.GetValueOrDefault((checker, question, solution.Trim()));

    /// <summary>Records a check (the first with a verdict of each solution is kept; one without a verdict teaches nothing).</summary>
    public void Add(ICandidateChecker checker, string question, VerificationCheck check)
    {
        if (check.Verdict != VerdictKind.None) _checks.TryAdd((checker, question, check.Solution), check);
    }
}
