using InferenceScaling.Verification;

namespace InferenceScaling.Refinement;

/// <summary>One critique-and-revise round: what was critiqued, the verdict, the revisions, and whether a change was accepted and why.</summary>
public sealed record CritiqueRound
{
    /// <summary>The round number, from 1.</summary>
    public required int Number { get; init; }

    /// <summary>The answer critiqued (the current winner), or null.</summary>
    public required string? Answer { get; init; }

    /// <summary>The critique of the current winner (its text, verdict, faulty step and score).</summary>
    public required VerificationCheck Critique { get; init; }

    /// <summary>Whether <see cref="Critique"/> was reused (from verification, or an earlier round) instead of generated again.</summary>
    public required bool CritiqueReused { get; init; }

    /// <summary>The revisions sampled (empty when the round stopped at the critique).</summary>
    public required IReadOnlyList<Revision> Revisions { get; init; }

    /// <summary>The revised answer put up for confirmation, or null.</summary>
    public string? CandidateAnswer { get; init; }

    /// <summary>The critique of the candidate revision, when confirmation asked for one.</summary>
    public VerificationCheck? ConfirmationCheck { get; init; }

    /// <summary>The re-vote's leader (rejected answer set aside), when confirmation asked for a re-vote.</summary>
    public string? ReVoteLeader { get; init; }

    /// <summary>How the round ended.</summary>
    public required RoundOutcome Outcome { get; init; }

    /// <summary>Whether the candidate replaced the current answer.</summary>
    public bool Accepted => Outcome == RoundOutcome.Accepted;

    /// <summary>Why, in words.</summary>
    public required string Reason { get; init; }

    /// <summary>What the round cost (reused critiques cost nothing).</summary>
    public required Usage Usage { get; init; }
}
