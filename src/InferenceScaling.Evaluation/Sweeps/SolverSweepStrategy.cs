using InferenceScaling.Solving;

namespace InferenceScaling.Evaluation;

/// <summary>
/// Runs any <see cref="ISolver"/> pipeline as a sweep strategy, as it would be used: at each budget k a fresh solver
/// for the problem solves it under <c>budgetFor(k)</c>; the score is the answer checker on
/// <see cref="Solution.Answer"/>, and tokens, wall time and samples come from the solution's <see cref="Usage"/>.
/// </summary>
/// <remarks>
/// Ignores the sweep's shared pool. This is how <c>adaptive</c> and <c>greedy</c> run, and how decorated pipelines
/// (<c>sc+refine</c>, <c>sc+verify</c>) plug in with one catalog line:
/// <code>
/// catalog.Register("sc+refine", ctx =&gt; new SolverSweepStrategy("sc+refine", ctx,
///     seed =&gt; ctx.CreateSelfConsistencySolver(seed).AsBuilder().UseRefinement().Build(),
///     k =&gt; ctx.AdaptiveBudget(k) with { MaxRefinementRounds = 2 }));
/// </code>
/// Thread-safe when the solvers the factory makes are (each problem and budget gets its own).
/// </remarks>
public sealed class SolverSweepStrategy : ISweepStrategy
{
    private readonly SweepStrategyContext _context;

    /// <summary>Problem seed → solver.</summary>
    private readonly Func<ulong, ISolver> _solverFactory;

    /// <summary>Sample budget k → the budget the solver runs under.</summary>
    private readonly Func<int, Budget> _budgetFor;

    /// <summary>Creates the adapter.</summary>
    /// <param name="name">The strategy's name in the summary.</param>
    /// <param name="context">The run's context: its checker and per-problem seeds.</param>
    /// <param name="solverFactory">Makes the solver for a problem from the problem's seed.</param>
    /// <param name="budgetFor">The budget at sample budget k.</param>
    public SolverSweepStrategy(string name, SweepStrategyContext context, Func<ulong, ISolver> solverFactory, Func<int, Budget> budgetFor)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(solverFactory);
        ArgumentNullException.ThrowIfNull(budgetFor);
        Name = name;
        _context = context;
        _solverFactory = solverFactory;
        _budgetFor = budgetFor;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <summary>
    /// When set, the strategy runs at these budgets only, whatever the sweep's (e.g. <c>greedy</c> at 1 only). Null
    /// (the default): the sweep's budgets.
    /// </summary>
    public IReadOnlyList<int>? FixedBudgets { get; init; }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<SweepOutcome>> EvaluateAsync(EvalProblem problem, IReadOnlyList<SweepTrace> pool, IReadOnlyList<int> budgets, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(budgets);
        var run = FixedBudgets ?? budgets;
        var seed = _context.ProblemSeed(problem.Id);
        var outcomes = new SweepOutcome[run.Count];
        for (var i = 0; i < run.Count; i++)
        {
            var k = run[i];
            var solver = _solverFactory(seed) ?? throw new InvalidOperationException($"Strategy '{Name}': the solver factory returned null.");
            var solution = await solver.SolveAsync(problem.Question, _budgetFor(k), cancellationToken).ConfigureAwait(false);
            var score = _context.Checker(problem.Answer, solution.Answer) ? 1.0 : 0.0;
            var usage = solution.Usage;
            outcomes[i] = new SweepOutcome(Name, k, score, usage.GeneratedTokens, usage.WallTime.TotalMilliseconds, usage.Samples);
        }

        return outcomes;
    }
}
