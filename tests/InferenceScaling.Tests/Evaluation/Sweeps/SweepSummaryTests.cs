using InferenceScaling.Evaluation;

namespace InferenceScaling.Tests.Evaluation;

public sealed class SweepSummaryTests
{
    private static SweepOutcome Outcome(string strategy, int budget, double score, double tokens) => new(strategy, budget, score, tokens, tokens / 10, budget);

    [Fact]
    public void Compute_AveragesEachStrategyAndBudgetWithAConfidenceInterval()
    {
        var records = new[]
        {
            new SweepProblemRecord("a", "1", [], [Outcome("sc", 1, 1, 10), Outcome("sc", 4, 1, 40)]),
            new SweepProblemRecord("b", "2", [], [Outcome("sc", 1, 0, 20), Outcome("sc", 4, 0.5, 80)]),
        };

        var summary = SweepSummary.Compute(records);

        Assert.Equal(2, summary.Rows.Count);
        var row = summary.Rows[1];
        Assert.Equal(("sc", 4, 2), (row.Strategy, row.Budget, row.Problems));
        Assert.Equal(0.75, row.Accuracy.Estimate, 12);
        Assert.Equal(60, row.MeanGeneratedTokens, 12);
        Assert.Equal(6, row.MeanWallMs, 12);
        Assert.Equal(4, row.MeanSamples, 12);
        Assert.InRange(row.Accuracy.Lower, 0.5, 0.75);
        Assert.InRange(row.Accuracy.Upper, 0.75, 1);
        var csv = summary.ToCsv().Split('\n');
        Assert.Equal("strategy,budget,problems,accuracy,ci_low,ci_high,mean_generated_tokens,mean_wall_ms,mean_samples,pareto", csv[0]);
        Assert.StartsWith("sc,4,2,0.750000,", csv[2], StringComparison.Ordinal);
    }

    [Fact]
    public void ParetoFrontier_KeepsOnlyUndominatedRows()
    {
        var records = new[]
        {
            new SweepProblemRecord("a", "1", [],
            [
                Outcome("sc", 1, 0.5, 10), Outcome("sc", 2, 0.6, 20), Outcome("sc", 4, 0.7, 40),
                Outcome("slow", 1, 0.55, 30), Outcome("slow", 2, 0.9, 50),
            ]),
        };

        var summary = SweepSummary.Compute(records);

        Assert.Equal([("sc", 1), ("sc", 2), ("sc", 4), ("slow", 2)], summary.Frontier.Select(r => (r.Strategy, r.Budget)));
    }

    [Fact]
    public void SelfConsistency_ReadsEveryBudgetFromOnePool()
    {
        // 32 traces: 12 correct, 10 for "7", 6 for "8", 4 unanswered.
        var pool = new List<SweepTrace>();
        for (var i = 0; i < 12; i++) pool.Add(new SweepTrace("5", true, 30, -0.1, 2));
        for (var i = 0; i < 10; i++) pool.Add(new SweepTrace("7", false, 40, -0.2, 2));
        for (var i = 0; i < 6; i++) pool.Add(new SweepTrace("8", false, 50, -0.3, 2));
        for (var i = 0; i < 4; i++) pool.Add(new SweepTrace(null, false, 60, -0.4, 2));

        var outcomes = new SelfConsistencyStrategy().Evaluate(pool, SweepTestData.Budgets);

        Assert.Equal(12.0 / 32, outcomes[0].Score, 12);
        Assert.Equal(MajorityVoteEstimator.MajorityAtK([12, 10, 6], 0, 4, 8), outcomes[3].Score, 12);
        Assert.Equal(1.0, outcomes[5].Score, 12);
        Assert.Equal(8 * (12 * 30 + 10 * 40 + 6 * 50 + 4 * 60) / 32.0, outcomes[3].GeneratedTokens, 9);
        Assert.Equal(16, outcomes[4].Samples);
        Assert.Throws<ArgumentException>(() => new SelfConsistencyStrategy().Evaluate(pool, [64]));
    }
}
