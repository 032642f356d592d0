namespace InferenceScaling.Refinement;

/// <summary>
/// The acceptance policy <see cref="RefinementOptions.Confirmation"/> names: every confirmation it asks for must pass
/// (critique, then improves, then re-vote), each adding its reason code. Stateless; thread-safe.
/// </summary>
internal sealed class AcceptancePolicy
{
    /// <summary>The confirmations, in the order their reasons are reported.</summary>
    private readonly IAcceptancePolicy[] _policies;

    private AcceptancePolicy(IAcceptancePolicy[] policies) => _policies = policies;

    /// <summary>Whether any confirmation needs the revision checked.</summary>
    public bool NeedsCheck => Array.Exists(_policies, p => p.NeedsCheck);

    /// <summary>The policy for <paramref name="options"/>.</summary>
    public static AcceptancePolicy For(RefinementOptions options)
    {
        var list = new List<IAcceptancePolicy>(3);
        if (options.Confirmation.HasFlag(RevisionConfirmation.Critique)) list.Add(new CritiqueAcceptance(options.MinConfirmProbability));
        if (options.Confirmation.HasFlag(RevisionConfirmation.Improves)) list.Add(ImprovesAcceptance.Instance);
        if (options.Confirmation.HasFlag(RevisionConfirmation.ReVote)) list.Add(ReVoteAcceptance.Instance);
        return new AcceptancePolicy([.. list]);
    }

    /// <summary>
    /// Decides on <paramref name="evidence"/>'s candidate. Without a confirmation check where one was needed (no room in
    /// the token cap), the check-based confirmations fail with one <see cref="AcceptanceReason.NoRoomToCheck"/>.
    /// </summary>
    public (bool Accepted, IReadOnlyList<AcceptanceReason> Reasons, string? ReVoteLeader) Decide(AcceptanceEvidence evidence)
    {
        var reasons = new List<AcceptanceReason>(_policies.Length);
        var accepted = true;
        string? leader = null;
        foreach (var policy in _policies)
        {
            if (policy.NeedsCheck && evidence.Confirmation is null)
            {
                if (!reasons.Contains(AcceptanceReason.NoRoomToCheck)) reasons.Add(AcceptanceReason.NoRoomToCheck);
                accepted = false;
                continue;
            }

            var (passes, reason) = policy.Judge(evidence);
            accepted &= passes;
            reasons.Add(reason);
            if (policy is ReVoteAcceptance) leader = evidence.ReVote().Winner?.Representative;
        }

        return (accepted, reasons, leader);
    }
}
