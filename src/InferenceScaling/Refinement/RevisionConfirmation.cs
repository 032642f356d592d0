namespace InferenceScaling.Refinement;

/// <summary>What must confirm a revised answer before refinement accepts it. Flags: <see cref="Both"/> requires each.</summary>
[Flags]
public enum RevisionConfirmation
{
    /// <summary>A critique of the revision ends with a "correct" verdict (and p(correct) ≥ <see cref="RefinementOptions.MinConfirmProbability"/>).</summary>
    Critique = 1,

    /// <summary>
    /// A re-vote among the original traces plus every revision so far, with the rejected answer's ballots set aside
    /// (its critique said wrong), is led by the revised answer: the pool does not prefer some other alternative.
    /// </summary>
    ReVote = 2,

    /// <summary>Both: critique-confirmed and not contradicted by the re-vote. The default.</summary>
    Both = Critique | ReVote,

    /// <summary>
    /// The revision's check gives it a higher p(correct) than the critique gave the answer it replaces: the checker
    /// prefers the revision, whatever its verdict. For graded checkers (<c>StepScoreChecker</c>)
    /// whose strict verdict also fails some right answers.
    /// </summary>
    Improves = 4,
}
