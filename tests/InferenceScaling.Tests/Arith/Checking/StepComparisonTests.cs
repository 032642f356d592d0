using System.Text.RegularExpressions;
using InferenceScaling.Arith;
using InferenceScaling.Tests.Fakes;
using InferenceScaling.Verification;

namespace InferenceScaling.Tests.ArithChecking;

public sealed class StepComparisonTests
{
    private static readonly Regex Step = ScriptedPipeline.Arith.StepPattern!;

    private static ParsedVerdict Compare(string candidate, string check)
    {
        var written = VerdictParser.For(ScriptedPipeline.Arith).Parse(check);
        return StepComparison.Compare(Step, candidate, check, written);
    }

    [Fact]
    public void ARecomputedStepThatDiffers_IsWrongAtThatStep_WhateverTheCheckSays()
    {
        // The model recomputed 14-5=9 but still wrote "ok" and "correct" (what arith-mini does).
        var v = Compare("19-5=14. 14-5=19. Answer: 19", " 19-5=14 ok. 14-5=9 ok. Verdict: correct");
        Assert.Equal((VerdictKind.Wrong, 2), (v.Kind, v.WrongStep));
    }

    [Fact]
    public void EveryStepRedoneAlike_IsCorrect_WhateverTheCheckSays()
    {
        var v = Compare("4*3=12. 12+38=50. Answer: 50", " 4*3=12 ok. 12+38=50 wrong. Verdict: wrong at step 2");
        Assert.Equal(VerdictKind.Correct, v.Kind);
    }

    [Fact]
    public void ACheckWithMoreSteps_SaysTheCandidateStoppedEarly()
    {
        var v = Compare("4*3=12. Answer: 12", " 4*3=12 ok. 12+38=50 ok. Verdict: correct");
        Assert.Equal((VerdictKind.Wrong, 2), (v.Kind, v.WrongStep));
    }

    [Fact]
    public void ACheckThatStopsEarlyWithoutADifference_KeepsItsOwnVerdict()
    {
        var v = Compare("4*3=12. 12+38=51. Answer: 51", " 4*3=12 wrong. Verdict: wrong at step 1");
        Assert.Equal((VerdictKind.Wrong, 1), (v.Kind, v.WrongStep));
    }

    [Fact]
    public void ACheckWithoutSteps_HasNoVerdict()
    {
        Assert.Equal(VerdictKind.None, Compare("4*3=12. Answer: 12", " Verdict: correct").Kind);
        Assert.Equal(VerdictKind.None, Compare("4*3=12. Answer: 12", "garbage").Kind);
    }

    [Fact]
    public void StepsAfterTheVerdict_AreNotRead()
    {
        var v = Compare("4*3=12. Answer: 12", " 4*3=12 ok. Verdict: correct 5+5=11");
        Assert.Equal(VerdictKind.Correct, v.Kind);
    }

    [Fact]
    public async Task Checker_WithCompareSteps_TakesTheRecomputedVerdict_AndScoresItZeroOrOne()
    {
        var model = ScriptedPipeline.Model("19");
        const string solution = "19-5=14. 14-5=19. Answer: 19";
        model.Checks[solution] = new ScriptedCheck(" 19-5=14 ok. 14-5=9 ok. Verdict: correct");

        var byWords = await new SolutionChecker(model, ScriptedPipeline.Arith).CheckAsync("q", solution, "19", "19");
        var byRecompute = await new SolutionChecker(model, ScriptedPipeline.Arith, new CheckOptions { Recompute = StepComparison.For(ScriptedPipeline.Arith) }).CheckAsync("q", solution, "19", "19");

        Assert.Equal(VerdictKind.Correct, byWords.Verdict);
        Assert.Equal((VerdictKind.Wrong, 2, 0.0), (byRecompute.Verdict, byRecompute.WrongStep, byRecompute.CorrectProbability));
    }
}
