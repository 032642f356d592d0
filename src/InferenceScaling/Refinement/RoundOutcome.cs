namespace InferenceScaling.Refinement;

/// <summary>How a refinement round ended.</summary>
public enum RoundOutcome
{
    /// <summary>The critique of the current answer said "correct": refinement stops.</summary>
    VerifiedCorrect,

    /// <summary>The critique wrote no verdict: there is nothing to revise against, refinement stops.</summary>
    NoVerdict,

    /// <summary>No revision offered a different answer (each repeated the current one or wrote none).</summary>
    NoNewAnswer,

    /// <summary>A revised answer was offered but not confirmed; the current answer stays.</summary>
    Rejected,

    /// <summary>A revised answer was confirmed and replaces the current one.</summary>
    Accepted,

    /// <summary>The token cap left no room for the round's generations; refinement stops.</summary>
    BudgetExhausted,

    /// <summary>The deadline passed during the round: its generation was cancelled and the current answer stays.</summary>
    Deadline,
}
