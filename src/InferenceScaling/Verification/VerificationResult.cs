using InferenceScaling.Voting;

namespace InferenceScaling.Verification;

/// <summary>What verification did: every check, every candidate's counts and score, and the selection it led to.</summary>
public sealed record VerificationResult
{
    /// <summary>The selection rule used.</summary>
    public required VerificationSelection Selection { get; init; }

    /// <summary>Every candidate answer, ranked as the final tally ranks them (winner first).</summary>
    public required IReadOnlyList<CandidateVerification> Candidates { get; init; }

    /// <summary>Every check, in the order run.</summary>
    public required IReadOnlyList<VerificationCheck> Checks { get; init; }

    /// <summary>The answer key the inner solver chose before verification (null when it had none).</summary>
    public required string? VotedAnswerKey { get; init; }

    /// <summary>Whether verification chose a different answer than the vote.</summary>
    public bool ChangedAnswer => Candidates.Count > 0 && Candidates[0].Key != VotedAnswerKey;

    /// <summary>Whether checking stopped because no unchecked candidate could overtake the leader.</summary>
    public required bool StoppedEarly { get; init; }

    /// <summary>Whether <see cref="Budget.MaxVerifications"/> (or the token cap) stopped checking before every planned check ran.</summary>
    public required bool BudgetExhausted { get; init; }

    /// <summary>The tally under the verifier rule.</summary>
    public required VoteTally Tally { get; init; }

    /// <summary>What the checks cost together.</summary>
    public required Usage Usage { get; init; }
}
