namespace InferenceScaling.Voting;

/// <summary>
/// Each answered trace votes with weight exp(mean log-probability per token) — the geometric mean of its tokens'
/// probabilities, in (0, 1], so long and short traces weigh alike and a fluent trace counts more than a hesitant one.
/// A trace with no tokens weighs 1. Ties follow <see cref="VoteTally.DefaultOrder"/>. Stateless and thread-safe.
/// </summary>
internal sealed class LogProbWeightedVote : IVotingRule
{
    /// <summary>The shared instance.</summary>
    public static LogProbWeightedVote Instance { get; } = new();

    /// <inheritdoc />
    public VoteTally Tally(IReadOnlyList<Ballot> ballots) => VoteTally.FromWeights(ballots, static b => Math.Exp(b.Trace.MeanLogProb));
}
