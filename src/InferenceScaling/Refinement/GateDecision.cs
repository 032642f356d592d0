namespace InferenceScaling.Refinement;

/// <summary>Why the refinement gate opened or stayed shut (<see cref="RefinementResult.Gate"/>).</summary>
public enum GateDecision
{
    /// <summary>Shut: there was no answer to refine.</summary>
    NoAnswer,

    /// <summary>Shut: the deadline had passed before refinement began.</summary>
    DeadlinePassed,

    /// <summary>Shut: the vote was decisive (share and confidence at or above the thresholds).</summary>
    DecisiveVote,

    /// <summary>Open: the winner's share was below <see cref="RefinementOptions.DecisiveShare"/>.</summary>
    ShareBelowThreshold,

    /// <summary>Open: the posterior confidence was below <see cref="RefinementOptions.DecisiveConfidence"/>.</summary>
    ConfidenceBelowThreshold,
}
