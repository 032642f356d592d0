namespace InferenceScaling.Solving;

/// <summary>
/// A solver stage that wraps another and by default passes calls through: derive from it to add verification,
/// refinement or telemetry (the decorator pattern of Microsoft.Extensions.AI's <c>DelegatingChatClient</c>).
/// </summary>
public abstract class DelegatingSolver : ISolver
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
