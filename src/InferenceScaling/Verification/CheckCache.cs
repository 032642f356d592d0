namespace InferenceScaling.Verification;

/// <summary>
/// The checks run during one solve call, by question and (trimmed) solution text: how stages share what they learned.
/// Verification records its checks; refinement critiques through it, so a solution verification (or an earlier round)
/// already checked is not checked again, whichever order the stages were added in. The stages of one pipeline check
/// with one checker (the builder gives them the same), so a check is keyed by what was checked, not by whom. Not
/// thread-safe.
/// </summary>
internal sealed class CheckCache
{
    /// <summary>The first check with a verdict of each solution.</summary>
    private readonly Dictionary<(string Question, string Solution), VerificationCheck> _checks = [];

    /// <summary>The first check with a verdict of <paramref name="solution"/> (trimmed) run in this call, or null.</summary>
    public VerificationCheck? Find(string question, string solution) => _checks.GetValueOrDefault((question, solution.Trim()));

    /// <summary>Records a check (the first with a verdict of each solution is kept; one without a verdict teaches nothing).</summary>
    public void Add(string question, VerificationCheck check)
    {
        if (check.Verdict != VerdictKind.None) _checks.TryAdd((question, check.Solution), check);
    }
}
