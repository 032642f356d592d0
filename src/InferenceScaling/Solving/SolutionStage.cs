namespace InferenceScaling.Solving;

/// <summary>
/// A stage of the solve pipeline, in the order the stages run (whatever order they were added in): the stage whose
/// decision a <see cref="Solution"/>'s answer is (<see cref="Solution.Stage"/>).
/// </summary>
public enum SolutionStage
{
    /// <summary>Sampling and the vote (<see cref="SelfConsistencySolver"/>).</summary>
    Vote,

    /// <summary>Verification re-weighed the vote by checks (<c>VerificationSolver</c>).</summary>
    Verification,

    /// <summary>Refinement replaced the answer with a confirmed revision (<c>RefinementSolver</c>).</summary>
    Refinement,
}
