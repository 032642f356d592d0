using InferenceScaling.Voting;

namespace InferenceScaling.Verification;

/// <summary>
/// Votes weighted by verifier scores: each ballot weighs its group's score, so a group's weight is
/// count × p(correct). Groups without a score (unchecked, or checked with no verdict) weigh count × the neutral
/// prior. Ties fall to <see cref="VoteTally.DefaultOrder"/> (more votes, then log-probability). Immutable and thread-safe.
/// </summary>
/// <remarks>The scores come from checks run by <see cref="VerificationSolver"/> before tallying (see <see cref="IVotingRule"/>).</remarks>
public sealed class VerifierWeightedVote : IVotingRule
{
    /// <summary>Group key → score in [0, 1].</summary>
    private readonly IReadOnlyDictionary<string, double> _scores;

    /// <summary>Score of a group without one.</summary>
    private readonly double _prior;

    /// <summary>Creates the rule.</summary>
    /// <param name="scores">Group key → p(correct), in [0, 1].</param>
    /// <param name="uncheckedScore">Score of a group without one, in [0, 1]. Default 0.5 (no evidence either way).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="uncheckedScore"/> is not in [0, 1].</exception>
    public VerifierWeightedVote(IReadOnlyDictionary<string, double> scores, double uncheckedScore = 0.5)
    {
        ArgumentNullException.ThrowIfNull(scores);
        if (!(uncheckedScore is >= 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(uncheckedScore), uncheckedScore, "The unchecked score must be in [0, 1].");
        _scores = scores;
        _prior = uncheckedScore;
    }

    /// <inheritdoc />
    public VoteTally Tally(IReadOnlyList<Ballot> ballots) =>
        VoteTally.FromWeights(ballots, b => _scores.TryGetValue(b.Key!, out var s) ? s : _prior);
}
