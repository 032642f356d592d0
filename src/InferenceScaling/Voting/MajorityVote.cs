namespace InferenceScaling.Voting;

/// <summary>
/// Plain self-consistency: one vote per answered trace. Ties on count are broken by the higher total
/// log-probability of the group's traces, then by the group whose earliest trace has the lower index, then by ordinal
/// key order (<see cref="VoteTally.DefaultOrder"/>). Stateless and thread-safe.
/// </summary>
internal sealed class MajorityVote : IVotingRule
{
    /// <summary>The shared instance.</summary>
    public static MajorityVote Instance { get; } = new();

    /// <inheritdoc />
    public VoteTally Tally(IReadOnlyList<Ballot> ballots) => VoteTally.FromWeights(ballots, static _ => 1.0);
}
