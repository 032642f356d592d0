using InferenceScaling.Verification;
using InferenceScaling.Voting;

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
    public required IReadOnlyList<Ballot> Revisions { get; init; }

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

    /// <summary>
    /// Why the candidate was accepted or rejected: one code per confirmation the policy asked for, in the order
    /// critique, improves, re-vote (empty when no candidate was put up).
    /// </summary>
    public IReadOnlyList<AcceptanceReason> Reasons { get; init; } = [];

    /// <summary>Why, in words (from <see cref="Outcome"/> and <see cref="Reasons"/>), for display.</summary>
    public string Reason => Outcome switch
    {
        RoundOutcome.VerifiedCorrect => "the critique says the answer is correct",
        RoundOutcome.NoVerdict => "the critique wrote no verdict, so there is nothing to revise against",
        RoundOutcome.NoNewAnswer => "no revision offered a different answer",
        RoundOutcome.BudgetExhausted => "the token cap leaves no room for the round",
        RoundOutcome.Deadline => "the deadline passed during the round",
        RoundOutcome.Accepted => "accepted: " + string.Join("; ", Reasons.Select(Describe)),
        _ => "rejected: " + string.Join("; ", Reasons.Select(Describe)),
    };

    /// <summary>What the round cost (reused critiques cost nothing).</summary>
    public required Usage Usage { get; init; }

    private string Describe(AcceptanceReason reason) => reason switch
    {
        AcceptanceReason.CritiqueSaysCorrect => "its critique says correct",
        AcceptanceReason.CritiqueNotConfident => "its critique says correct but not confidently enough",
        AcceptanceReason.CritiqueSaysWrong => "its critique says wrong",
        AcceptanceReason.CritiqueNoVerdict => "its critique wrote no verdict",
        AcceptanceReason.NoRoomToCheck => "no room in the token cap to critique the revision",
        AcceptanceReason.ScoresHigher => "its check scores it higher than the answer it replaces",
        AcceptanceReason.ScoresNoHigher => "its check does not score it higher than the answer it replaces",
        AcceptanceReason.LeadsReVote => "it leads the re-vote without the rejected answer",
        _ => $"the re-vote without the rejected answer prefers {ReVoteLeader}",
    };
}
