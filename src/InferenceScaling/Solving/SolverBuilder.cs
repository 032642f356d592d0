namespace InferenceScaling.Solving;

/// <summary>
/// Composes a solver pipeline: <c>new SolverBuilder(selfConsistency).Use(inner =&gt; new MyStage(inner)).Build()</c>.
/// Stages added first are outermost (they see the call first and the result last), as in
/// Microsoft.Extensions.AI's <c>ChatClientBuilder</c>. Stage packages add <c>UseXxx</c> extension methods on this type.
/// </summary>
public sealed class SolverBuilder
{
    /// <summary>The innermost solver.</summary>
    private readonly ISolver _inner;

    /// <summary>Stage factories in the order added.</summary>
    private readonly List<Func<ISolver, ISolver>> _stages = [];

    /// <summary>Starts a pipeline around <paramref name="innerSolver"/>.</summary>
    /// <param name="innerSolver">The innermost solver (usually a <see cref="SelfConsistencySolver"/>).</param>
    public SolverBuilder(ISolver innerSolver)
    {
        ArgumentNullException.ThrowIfNull(innerSolver);
        _inner = innerSolver;
    }

    /// <summary>Adds a stage.</summary>
    /// <param name="stageFactory">Wraps the solver built so far.</param>
    /// <returns>This builder.</returns>
    public SolverBuilder Use(Func<ISolver, ISolver> stageFactory)
    {
        ArgumentNullException.ThrowIfNull(stageFactory);
        _stages.Add(stageFactory);
        return this;
    }

    /// <summary>Builds the pipeline.</summary>
    /// <returns>The outermost solver.</returns>
    /// <exception cref="InvalidOperationException">A stage factory returned null.</exception>
    public ISolver Build()
    {
        var solver = _inner;
        for (var i = _stages.Count - 1; i >= 0; i--)
            solver = _stages[i](solver) ?? throw new InvalidOperationException($"Solver stage factory #{i + 1} returned null.");
        return solver;
    }
}
