namespace InferenceScaling.Solving;

/// <summary>
/// A solver stage that wraps another and by default passes calls through: the base of the engine's own stages. Internal:
/// <see cref="ISolver"/> has one method, so a stage of your own implements it directly around the solver it is given.
/// </summary>
internal abstract class DelegatingSolver : ISolver
{
    /// <summary>Wraps <paramref name="innerSolver"/>.</summary>
    /// <param name="innerSolver">The solver calls are passed to.</param>
    protected DelegatingSolver(ISolver innerSolver)
    {
        ArgumentNullException.ThrowIfNull(innerSolver);
        InnerSolver = innerSolver;
    }

    /// <summary>The wrapped solver.</summary>
    protected ISolver InnerSolver { get; }

    /// <inheritdoc />
    public virtual Task<Solution> SolveAsync(string question, Budget budget, CancellationToken cancellationToken = default) =>
        InnerSolver.SolveAsync(question, budget, cancellationToken);
}
