namespace InferenceScaling.Refinement;

/// <summary><see cref="RevisionConfirmation.ReVote"/>: the pool, the critiqued answer set aside, is led by the revision.</summary>
internal sealed class ReVoteAcceptance : IAcceptancePolicy
{
    public static ReVoteAcceptance Instance { get; } = new();

    public bool NeedsCheck => false;

    public (bool Passes, AcceptanceReason Reason) Judge(AcceptanceEvidence evidence) =>
        evidence.ReVote().Winner?.Key == evidence.Candidate.Key
            ? (true, AcceptanceReason.LeadsReVote)
            : (false, AcceptanceReason.ReVotePrefersAnother);
}
