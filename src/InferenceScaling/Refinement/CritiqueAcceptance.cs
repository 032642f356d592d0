using InferenceScaling.Verification;

namespace InferenceScaling.Refinement;

/// <summary><see cref="RevisionConfirmation.Critique"/>: the revision's critique says correct with enough probability.</summary>
internal sealed class CritiqueAcceptance(double minProbability) : IAcceptancePolicy
{
    public bool NeedsCheck => true;

    public (bool Passes, AcceptanceReason Reason) Judge(AcceptanceEvidence evidence)
    {
        var check = evidence.Confirmation!;
        return check.Verdict switch
        {
            VerdictKind.Correct when (check.CorrectProbability ?? 1) >= minProbability => (true, AcceptanceReason.CritiqueSaysCorrect),
            VerdictKind.Correct => (false, AcceptanceReason.CritiqueNotConfident),
            VerdictKind.Wrong => (false, AcceptanceReason.CritiqueSaysWrong),
            _ => (false, AcceptanceReason.CritiqueNoVerdict),
        };
    }
}
