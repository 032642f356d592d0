namespace InferenceScaling.Solving;

/// <summary>
/// A pipeline stage that works on the solution the stages before it produced (verification, refinement). The outermost
/// stage of a chain runs them all through <see cref="StagePipeline"/>: in <see cref="Stage"/> order, whatever order
/// they were added in, with one <see cref="SolveContext"/> for the call.
/// </summary>
internal interface ISolverStage : ISolver
{
    /// <summary>Where the stage runs in the pipeline.</summary>
    SolutionStage Stage { get; }

    /// <summary>The solver this stage wraps.</summary>
    ISolver Inner { get; }

    /// <summary>An explicit clock for the call, or null to use the sampler's.</summary>
    TimeProvider? Time { get; }

    /// <summary>Runs the stage on <paramref name="solution"/>, spending from the call's meter.</summary>
    Task<Solution> RunAsync(Solution solution, SolveContext context, CancellationToken cancellationToken);
}
