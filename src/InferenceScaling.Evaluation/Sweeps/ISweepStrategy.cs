namespace InferenceScaling.Evaluation;

/// <summary>
/// The seam between a sweep and a test-time strategy: given a problem and the shared pool of traces sampled for it at
/// the sweep's largest budget, returns the strategy's outcome at each budget.
/// </summary>
/// <remarks>
/// Pool-based strategies (self-consistency) read every budget from the pool without new sampling. Strategies that must
/// run as they are used (adaptive stopping, refinement) take their own trace generator in their constructor and may
/// ignore the pool. Implementations must be deterministic for a given pool and seed, and safe to call concurrently for
/// different problems.
/// </remarks>
public interface ISweepStrategy
{
    /// <summary>The name used in <c>summary.csv</c> and the chart, e.g. <c>sc</c>.</summary>
    string Name { get; }

    /// <summary>Evaluates the strategy on one problem at each of <paramref name="budgets"/>.</summary>
    /// <param name="problem">The problem (with its gold answer).</param>
    /// <param name="pool">The traces sampled for the problem, each already marked correct or not.</param>
    /// <param name="budgets">The budgets to evaluate, ascending.</param>
    /// <param name="cancellationToken">Cancels the evaluation.</param>
    /// <returns>One outcome per budget, in the order of <paramref name="budgets"/>.</returns>
    ValueTask<IReadOnlyList<SweepOutcome>> EvaluateAsync(EvalProblem problem, IReadOnlyList<SweepTrace> pool, IReadOnlyList<int> budgets, CancellationToken cancellationToken = default);
}
