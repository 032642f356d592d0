namespace InferenceScaling.Voting;

/// <summary>
/// The built-in voting rules. Each tallies the ballots that cast a vote; ties follow <see cref="VoteTally.DefaultOrder"/>.
/// All are immutable and thread-safe. A new rule is one <see cref="IVotingRule"/> whose tally is usually one
/// <see cref="VoteTally.FromWeights"/> call.
/// </summary>
public static class VotingRules
{
    /// <summary>
    /// Plain self-consistency: one vote per answered trace. Ties on count are broken by the higher total log-probability of
    /// the group's traces, then by the group whose earliest trace has the lower index, then by ordinal key order.
    /// </summary>
    public static IVotingRule Majority => MajorityVote.Instance;

    /// <summary>
    /// Each answered trace votes with weight exp(mean log-probability per token) — the geometric mean of its tokens'
    /// probabilities, in (0, 1], so long and short traces weigh alike and a fluent trace counts more than a hesitant one.
    /// A trace with no tokens weighs 1.
    /// </summary>
    public static IVotingRule LogProbWeighted => LogProbWeightedVote.Instance;

    /// <summary>
    /// DeepConf offline voting (Fu et al., 2025): each answered trace is scored by its lowest mean token confidence over a
    /// sliding window of <paramref name="windowSize"/> tokens, the <paramref name="keepFraction"/> most confident are kept,
    /// and they vote weighted by that score. Traces left out are reported in <see cref="VoteTally.Excluded"/>.
    /// </summary>
    /// <param name="keepFraction">
    /// Fraction of answered traces kept, in (0, 1]: 0.9 is DeepConf-high (drop the least confident 10%), 0.1 is
    /// DeepConf-low. Default 0.9. At least one trace is always kept; the count kept is ceil(fraction × answered).
    /// </param>
    /// <param name="windowSize">Tokens per sliding window, ≥ 1. Default 8.</param>
    /// <exception cref="ArgumentOutOfRangeException">A fraction outside (0, 1] or a window below 1.</exception>
    public static IVotingRule ConfidenceFiltered(double keepFraction = 0.9, int windowSize = 8) => new ConfidenceFilteredVote(keepFraction, windowSize);

    /// <summary>The rule a command line or request names: <c>majority</c>, <c>logprob</c> or <c>confidence</c> (DeepConf with its defaults), case-insensitive.</summary>
    /// <param name="name">The name.</param>
    /// <exception cref="FormatException">An unknown name; the message lists the known ones.</exception>
    public static IVotingRule Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Trim().ToLowerInvariant() switch
        {
            "majority" => Majority,
            "logprob" => LogProbWeighted,
            "confidence" => ConfidenceFiltered(),
            var other => throw new FormatException($"unknown voting rule '{other}' (majority, logprob, confidence)."),
        };
    }
}
