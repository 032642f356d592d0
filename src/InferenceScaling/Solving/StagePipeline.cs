namespace InferenceScaling.Solving;

/// <summary>
/// Runs a chain of <see cref="ISolverStage"/>s as one pipeline: the innermost solver that is not a stage first (the
/// sampler), then the stages in <see cref="SolutionStage"/> order, whatever order they were added in, all spending
/// from one <see cref="BudgetMeter"/> with one deadline.
/// </summary>
internal static class StagePipeline
{
    /// <summary>Solves through the chain that <paramref name="outermost"/> heads.</summary>
    public static async Task<Solution> SolveAsync(ISolverStage outermost, string question, Budget budget, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(question);
        budget.Validate();
        var stages = new List<ISolverStage>();
        ISolver solver = outermost;
        TimeProvider? time = null;
        while (solver is ISolverStage stage)
        {
            stages.Add(stage);
            time ??= stage.Time;
            solver = stage.Inner;
        }

        // Inner stages first within one kind (as nesting ran them); the sort is stable.
        stages.Reverse();
        var ordered = stages.OrderBy(s => s.Stage).ToList();
        var sampler = solver as SelfConsistencySolver;
        using var context = new SolveContext(new BudgetMeter(budget, time ?? sampler?.Time ?? TimeProvider.System));
        Solution solution;
        if (sampler is not null)
        {
            solution = await sampler.SampleAsync(question, context.Meter, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            // A solver of another kind runs on its own budget; what it spent is charged to the meter.
            solution = await solver.SolveAsync(question, budget, cancellationToken).ConfigureAwait(false);
            context.Meter.Spend(solution.Usage);
        }

        foreach (var stage in ordered)
            solution = await stage.RunAsync(solution, context, cancellationToken).ConfigureAwait(false);
        return solution;
    }

    /// <summary>A context for running one stage on an existing solution (evaluation harnesses): what it spent is charged first.</summary>
    public static SolveContext ContextFor(Solution solution, Budget budget, TimeProvider? time) =>
        new(new BudgetMeter(budget, time ?? TimeProvider.System, solution.Usage));
}
