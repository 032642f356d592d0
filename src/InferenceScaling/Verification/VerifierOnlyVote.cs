using InferenceScaling.Voting;

namespace InferenceScaling.Verification;

/// <summary>
/// Verifier-only selection: the group with the best score wins, whatever its vote count; groups without a score rank
/// at the neutral prior. Ties on score fall to <see cref="VoteTally.DefaultOrder"/> (more votes, then log-probability).
/// Every ballot weighs 1, so <see cref="VoteTally.Share"/> stays the winner's share of the votes. Immutable and thread-safe.
/// </summary>
internal sealed class VerifierOnlyVote : IVotingRule
{
    /// <summary>Group key → score in [0, 1].</summary>
    private readonly IReadOnlyDictionary<string, double> _scores;

    /// <summary>Score of a group without one.</summary>
    private readonly double _prior;

    /// <summary>Ranks by score, then the default order.</summary>
    private readonly IComparer<AnswerGroup> _order;

    /// <summary>Creates the rule.</summary>
    /// <param name="scores">Group key → p(correct), in [0, 1].</param>
    /// <param name="uncheckedScore">Score of a group without one, in [0, 1]. Default 0.5.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="uncheckedScore"/> is not in [0, 1].</exception>
    public VerifierOnlyVote(IReadOnlyDictionary<string, double> scores, double uncheckedScore = 0.5)
    {
        ArgumentNullException.ThrowIfNull(scores);
        if (!(uncheckedScore is >= 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(uncheckedScore), uncheckedScore, "The unchecked score must be in [0, 1].");
        _scores = scores;
        _prior = uncheckedScore;
        _order = Comparer<AnswerGroup>.Create((x, y) =>
        {
            var c = Score(y.Key).CompareTo(Score(x.Key));
            return c != 0 ? c : VoteTally.DefaultOrder.Compare(x, y);
        });
    }

    /// <inheritdoc />
    public VoteTally Tally(IReadOnlyList<Ballot> ballots) => VoteTally.FromWeights(ballots, static _ => 1.0, _order);

    /// <summary>A group's score, or the prior.</summary>
    private double Score(string key) => _scores.TryGetValue(key, out var s) ? s : _prior;
}
