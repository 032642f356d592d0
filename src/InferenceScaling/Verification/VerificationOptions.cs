namespace InferenceScaling.Verification;

/// <summary>Settings of a <see cref="VerificationSolver"/>. Immutable; copy with <c>with</c>. Each setter validates its value.</summary>
public sealed record VerificationOptions
{
    /// <summary>How candidates are ranked after checking. Default <see cref="VerificationSelection.Weighted"/>.</summary>
    public VerificationSelection Selection { get; init; } = VerificationSelection.Weighted;

    /// <summary>
    /// Score of a candidate that has none (not checked, or every check gave no verdict), in [0, 1]. Default 0.5: no
    /// evidence either way, so an unchecked group weighs half its votes next to a checked one's count × p(correct).
    /// </summary>
    public double UncheckedScore
    {
        get;
        init
        {
            if (!(value is >= 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(UncheckedScore), value, "UncheckedScore must be in [0, 1].");
            field = value;
        }
    } = 0.5;

    /// <summary>
    /// Most checks per candidate answer, each of a different trace of the group (best mean log-probability first).
    /// The first pass checks one trace per candidate (in vote order); later passes run only while
    /// <see cref="Budget.MaxVerifications"/> has checks left, and without the early stop. A group's score is the mean of
    /// its checks' scores. At least 1. Default 1.
    /// </summary>
    public int ChecksPerCandidate
    {
        get;
        init { ArgumentOutOfRangeException.ThrowIfLessThan(value, 1); field = value; }
    } = 1;

    /// <summary>
    /// Stop checking once no unchecked candidate could overtake the leader even with a perfect score (first pass
    /// only). Default true.
    /// </summary>
    public bool StopWhenDecided { get; init; } = true;

    /// <summary>How each check is generated and scored. Default <see cref="CheckOptions"/>'s defaults (greedy).</summary>
    public CheckOptions Check
    {
        get;
        init => field = value ?? throw new ArgumentNullException(nameof(Check));
    } = new();
}
