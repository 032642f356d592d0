namespace InferenceScaling.Voting;

/// <summary>
/// Turns ballots into a ranked tally of answers. Implementations are pure and deterministic (same ballots, same
/// tally), cheap (the adaptive solver tallies after every arriving trace), and thread-safe.
/// </summary>
/// <remarks>
/// Rules whose weights need model calls (verifier-weighted selection) run those calls in a solver stage first and
/// are constructed with the resulting scores, so tallying itself stays synchronous. Build the result with
/// <see cref="VoteTally.FromWeights"/>.
/// </remarks>
public interface IVotingRule
{
    /// <summary>Tallies the ballots. Ballots that cast no vote (<see cref="Ballot.CastsVote"/> false) are counted as abstentions.</summary>
    /// <param name="ballots">All ballots, in arrival order.</param>
    /// <returns>The tally, winner first.</returns>
    VoteTally Tally(IReadOnlyList<Ballot> ballots);
}
