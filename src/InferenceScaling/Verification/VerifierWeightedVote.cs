using InferenceScaling.Voting;

namespace InferenceScaling.Verification;

/// <summary>
/// Votes weighted by verifier scores: each ballot weighs its group's score times its weight under the vote being
/// re-weighed, so a group's weight is (under majority) count × p(correct). Groups without a score (unchecked, or checked with no verdict) weigh count × the neutral
/// prior. Ties fall to <see cref="VoteTally.DefaultOrder"/> (more votes, then log-probability). Immutable and thread-safe.
/// </summary>
/// <remarks>The scores come from checks run by <see cref="VerificationSolver"/> before tallying (see <see cref="IVotingRule"/>).</remarks>
internal sealed class VerifierWeightedVote : IVotingRule
{
    /// <summary>Group key → score in [0, 1].</summary>
    private readonly IReadOnlyDictionary<string, double> _scores;

    /// <summary>Score of a group without one.</summary>
    private readonly double _prior;

    /// <summary>A ballot's weight before scoring (the vote rule verification starts from), or null to leave it out.</summary>
    private readonly Func<Ballot, double?>? _baseWeight;

    /// <summary>Creates the rule.</summary>
    /// <param name="scores">Group key → p(correct), in [0, 1].</param>
    /// <param name="uncheckedScore">Score of a group without one, in [0, 1]. Default 0.5 (no evidence either way).</param>
    /// <param name="baseWeight">
    /// A ballot's weight under the vote the scores re-weigh (for example its share of its group's weight under
    /// <see cref="LogProbWeightedVote"/>), or null to leave it out. Default: every ballot weighs 1 (majority), so a
    /// group's weight is count × p(correct).
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="uncheckedScore"/> is not in [0, 1].</exception>
    public VerifierWeightedVote(IReadOnlyDictionary<string, double> scores, double uncheckedScore = 0.5, Func<Ballot, double?>? baseWeight = null)
    {
        ArgumentNullException.ThrowIfNull(scores);
        if (!(uncheckedScore is >= 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(uncheckedScore), uncheckedScore, "The unchecked score must be in [0, 1].");
        _scores = scores;
        _prior = uncheckedScore;
        _baseWeight = baseWeight;
    }

    /// <inheritdoc />
    public VoteTally Tally(IReadOnlyList<Ballot> ballots) =>
        VoteTally.FromWeights(ballots, b =>
        {
            var score = _scores.TryGetValue(b.Key!, out var s) ? s : _prior;
            if (_baseWeight is null) return score;
            return _baseWeight(b) is { } w ? w * score : null;
        });
}
