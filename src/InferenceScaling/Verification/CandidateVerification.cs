namespace InferenceScaling.Verification;

/// <summary>One distinct candidate answer after verification: its votes, its checks and its score.</summary>
public sealed record CandidateVerification
{
    /// <summary>The answer's group key.</summary>
    public required string Key { get; init; }

    /// <summary>The answer as first written.</summary>
    public required string Answer { get; init; }

    /// <summary>Votes for it in the pool.</summary>
    public required int Votes { get; init; }

    /// <summary>Its checks, in the order run (empty when not checked).</summary>
    public required IReadOnlyList<VerificationCheck> Checks { get; init; }

    /// <summary>Mean p(correct) over its checks with a verdict, or null when none has one (the rule then uses the unchecked score).</summary>
    public required double? Score { get; init; }

    /// <summary>Its weight in the final tally (count × score under weighted selection; its votes under verifier-only).</summary>
    public required double Weight { get; init; }
}
