namespace InferenceScaling.Solving;

/// <summary>Where the engine's own stages sit in a built pipeline, innermost first (<see cref="SolverBuilder"/>).</summary>
internal enum PipelinePlace
{
    /// <summary>Verify-and-select: wraps the vote, so it sees the vote's pool.</summary>
    Verification = 1,

    /// <summary>Gated refinement: wraps verification, so it refines the verified answer.</summary>
    Refinement = 2,
}
