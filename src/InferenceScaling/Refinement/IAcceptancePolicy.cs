using InferenceScaling.Verification;
using InferenceScaling.Voting;

namespace InferenceScaling.Refinement;

/// <summary>One confirmation a revised answer must pass (<see cref="RevisionConfirmation"/>'s flags), judged on the round's evidence.</summary>
internal interface IAcceptancePolicy
{
    /// <summary>Whether it needs the revision checked (<see cref="AcceptanceEvidence.Confirmation"/>).</summary>
    bool NeedsCheck { get; }

    /// <summary>Whether the revision passes, and the code that says why.</summary>
    (bool Passes, AcceptanceReason Reason) Judge(AcceptanceEvidence evidence);
}

/// <summary>What a round knows when it decides on a revision.</summary>
/// <param name="Candidate">The revision put up.</param>
/// <param name="Critique">The critique of the answer it would replace.</param>
/// <param name="Confirmation">The revision's check, when one was run.</param>
/// <param name="Pool">The re-vote pool: the vote's ballots plus every revision so far.</param>
/// <param name="ReplacedKey">The key of the answer it would replace.</param>
internal readonly record struct AcceptanceEvidence(Ballot Candidate, VerificationCheck Critique, VerificationCheck? Confirmation, BallotBox Pool, string ReplacedKey)
{
    /// <summary>The re-vote with the critiqued answer set aside.</summary>
    public VoteTally ReVote()
    {
        var replaced = ReplacedKey;
        return VoteTally.FromWeights(Pool.Ballots, b => b.Key == replaced ? null : 1.0);
    }
}
