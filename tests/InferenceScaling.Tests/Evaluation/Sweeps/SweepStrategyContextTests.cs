using InferenceScaling.Evaluation;
using InferenceScaling.Prompts;
using InferenceScaling.Tests.Fakes;

namespace InferenceScaling.Tests.Evaluation;

public sealed class SweepStrategyContextTests
{
    [Theory]
    [InlineData(16, false, 4)]
    [InlineData(16, true, 16)]
    [InlineData(2, false, 1)]
    [InlineData(2, true, 2)]
    public void StagedBudget_ChecksEveryCandidate_OnlyWhenAsked(int samples, bool everyCandidate, int checks)
    {
        var b = SweepStrategyContext.StagedBudget(samples, verify: true, refine: false, everyCandidate ? new CheckingProfile { ChecksPerSample = 1 } : null);

        Assert.Equal((samples, checks, 0), (b.MaxSamples, b.MaxVerifications, b.MaxRefinementRounds));
    }

    [Fact]
    public void ChecksAreCheap_NeedsAScorerAndAPromptSetWithStepChecks()
    {
        var model = ScriptedPipeline.Model("1");
        var none = new SweepStrategyContext(model, new SweepOptions { Prompts = ScriptedPipeline.Arith });
        var steps = new SweepStrategyContext(model, new SweepOptions { Prompts = ScriptedPipeline.Arith, Scorer = new ScriptedScorer() });

        Assert.True(ScriptedPipeline.Arith.HasStepChecks);
        Assert.False(none.ChecksAreCheap);
        Assert.True(steps.ChecksAreCheap);
    }

    [Fact]
    public void ProblemSeed_IsTheRunSeedForEveryProblem_WhenNotPerProblem()
    {
        var model = ScriptedPipeline.Model("1");
        var shared = new SweepStrategyContext(model, new SweepOptions { Seed = 7, SeedPerProblem = false });
        var perProblem = new SweepStrategyContext(model, new SweepOptions { Seed = 7 });

        Assert.Equal((7UL, 7UL), (shared.ProblemSeed("a"), shared.ProblemSeed("b")));
        Assert.Equal(SweepRunner.ProblemSeed(7, "a"), perProblem.ProblemSeed("a"));
        Assert.NotEqual(perProblem.ProblemSeed("a"), perProblem.ProblemSeed("b"));
    }
}
