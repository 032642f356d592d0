namespace InferenceScaling.Refinement;

/// <summary><see cref="RevisionConfirmation.Improves"/>: the revision's check scores it above the answer it replaces.</summary>
internal sealed class ImprovesAcceptance : IAcceptancePolicy
{
    public static ImprovesAcceptance Instance { get; } = new();

    public bool NeedsCheck => true;

    public (bool Passes, AcceptanceReason Reason) Judge(AcceptanceEvidence evidence) =>
        evidence.Confirmation!.CorrectProbability is { } after && after > (evidence.Critique.CorrectProbability ?? 0)
            ? (true, AcceptanceReason.ScoresHigher)
            : (false, AcceptanceReason.ScoresNoHigher);
}
