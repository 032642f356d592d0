namespace InferenceScaling.Verification;

/// <summary>How verified candidates are ranked.</summary>
public enum VerificationSelection
{
    /// <summary>Votes weighted by verifier scores (<see cref="VerifierWeightedVote"/>): weight = count × p(correct).</summary>
    Weighted,

    /// <summary>Best verifier score wins (<see cref="VerifierOnlyVote"/>); votes only break ties.</summary>
    VerifierOnly,
}
