namespace InferenceScaling;

/// <summary>
/// The caps <see cref="BudgetGrammar"/> holds every budget to, whatever form it was written in. Immutable; copy with
/// <c>with</c>. A service narrows them to what one request may spend; the defaults bound what a typo can ask for.
/// </summary>
internal sealed record BudgetLimits
{
    /// <summary>The defaults: 1024 samples, no token cap, a 24 h deadline, 64 checks, 8 refinement rounds.</summary>
    public static BudgetLimits Default { get; } = new();

    /// <summary>Most samples (also the largest wave). Default 1024.</summary>
    public int MaxSamples
    {
        get;
        init { ArgumentOutOfRangeException.ThrowIfLessThan(value, 1); field = value; }
    } = 1024;

    /// <summary>Most generated tokens a budget may allow, or null (default) for no cap.</summary>
    public int? MaxGeneratedTokens
    {
        get;
        init { if (value is < 1) throw new ArgumentOutOfRangeException(nameof(MaxGeneratedTokens), value, "MaxGeneratedTokens must be ≥ 1 or null."); field = value; }
    }

    /// <summary>Longest deadline. Default 24 hours.</summary>
    public TimeSpan MaxDeadline
    {
        get;
        init { ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero); field = value; }
    } = TimeSpan.FromHours(24);

    /// <summary>Most verification checks (<see cref="Budget.MaxVerifications"/>). Default 64.</summary>
    public int MaxChecks
    {
        get;
        init { ArgumentOutOfRangeException.ThrowIfNegative(value); field = value; }
    } = 64;

    /// <summary>Most refinement rounds (<see cref="Budget.MaxRefinementRounds"/>). Default 8.</summary>
    public int MaxRounds
    {
        get;
        init { ArgumentOutOfRangeException.ThrowIfNegative(value); field = value; }
    } = 8;
}
