using InferenceScaling.Solving;
using InferenceScaling.Tests.Fakes;

namespace InferenceScaling.Tests.Solving;

public sealed class SolverBuilderTests
{
    /// <summary>A stage that records its name on the way in and adds usage on the way out, like a refinement round.</summary>
    private sealed class RecordingStage(ISolver inner, string name, List<string> log) : DelegatingSolver(inner)
    {
        public override async Task<Solution> SolveAsync(string question, Budget budget, CancellationToken cancellationToken = default)
        {
            log.Add(name);
            var solution = await base.SolveAsync(question, budget, cancellationToken);
            return solution with { Usage = solution.Usage + new Usage { GeneratedTokens = 1, Samples = 1 } };
        }
    }

    [Fact]
    public async Task Build_AppliesStagesOutermostFirstAndStagesAddTheirUsage()
    {
        var generator = new ScriptedTraceGenerator(ScriptedTrace.Answer("4"));
        var log = new List<string>();
        var solver = new SelfConsistencySolver(generator, AnswerLineExtractor.Instance, TrimEquivalence.Instance)
            .AsBuilder()
            .Use(inner => new RecordingStage(inner, "outer", log))
            .Use(inner => new RecordingStage(inner, "inner", log))
            .Build();

        var solution = await solver.SolveAsync("q", new Budget { MaxSamples = 1 });

        Assert.Equal(["outer", "inner"], log);
        Assert.Equal(12, solution.Usage.GeneratedTokens);
        Assert.Equal(3, solution.Usage.Samples);
        Assert.Equal("4", solution.Answer);
    }
}
