using InferenceScaling.Voting;

namespace InferenceScaling.Refinement;

/// <summary>What the refinement stage did: the gate's decision, every round, and the answer before and after.</summary>
public sealed record RefinementResult
{
    /// <summary>The gate's decision.</summary>
    public required GateDecision Gate { get; init; }

    /// <summary>Whether the gate let refinement run (the vote was not decisive and there was an answer).</summary>
    public bool GateOpened => Gate is GateDecision.ShareBelowThreshold or GateDecision.ConfidenceBelowThreshold;

    /// <summary>The gate's decision in words, with the figures (e.g. "vote share 56% &lt; 80%").</summary>
    public required string GateReason { get; init; }

    /// <summary>Every round, in order (empty when the gate stayed shut). Never more than <see cref="Budget.MaxRefinementRounds"/>.</summary>
    public required IReadOnlyList<CritiqueRound> Rounds { get; init; }

    /// <summary>The answer before refinement.</summary>
    public required string? OriginalAnswer { get; init; }

    /// <summary>The answer key before refinement.</summary>
    public required string? OriginalAnswerKey { get; init; }

    /// <summary>The answer after refinement.</summary>
    public required string? FinalAnswer { get; init; }

    /// <summary>The answer key after refinement.</summary>
    public required string? FinalAnswerKey { get; init; }

    /// <summary>
    /// When refinement changed the answer: the pool it chose from (the vote's ballots as they voted plus every finished
    /// revision), with the answers it replaced set aside and the accepted answer ranked first, whatever its count —
    /// the accepted revision was chosen by its check, not by this count, and <see cref="VoteTally.Share"/> and
    /// <see cref="VoteTally.Confidence"/> say how much of the pool is behind it. Null when the answer is unchanged.
    /// </summary>
    public VoteTally? Tally { get; init; }

    /// <summary>Whether refinement changed the answer.</summary>
    public bool Changed => !string.Equals(OriginalAnswerKey, FinalAnswerKey, StringComparison.Ordinal);

    /// <summary>What all rounds cost together.</summary>
    public required Usage Usage { get; init; }
}
