using InferenceScaling.Arith;
using InferenceScaling.Prompts;
using InferenceScaling.Sampling;
using InferenceScaling.Solving;
using InferenceScaling.Tests.Fakes;
using InferenceScaling.Verification;
using static InferenceScaling.Tests.Fakes.ScriptedPipeline;

namespace InferenceScaling.Tests.ArithChecking;

public sealed class StepScoreCheckerTests
{
    private const string Solution = " 46-36=10. 10*3=30. 30+5=35. Answer: 35";

    private static (StepScoreChecker Checker, ScriptedScorer Scorer, ScriptedModel Model) Make()
    {
        var scorer = new ScriptedScorer();
        var model = new ScriptedModel();
        return (new StepScoreChecker(scorer, model, ScriptedPipeline.Arith), scorer, model);
    }

    [Fact]
    public async Task Check_ScoresEveryStepForwardAndUndone()
    {
        var (checker, scorer, model) = Make();

        var c = await checker.CheckAsync("q", Solution, "35", "35");

        Assert.Equal(
        [
            new Continuation("Calc: 46-36=", "10."), new Continuation("Calc: 10+36=", "46."),
            new Continuation("Calc: 10*3=", "30."), new Continuation("Calc: 30/3=", "10."),
            new Continuation("Calc: 30+5=", "35."), new Continuation("Calc: 35-5=", "30."),
        ], scorer.Scored);
        Assert.Equal(VerdictKind.Correct, c.Verdict);
        Assert.Equal("46-36=10 ok. 10*3=30 ok. 30+5=35 ok. Verdict: correct", c.Text);
        Assert.Equal(3, c.Steps!.Count);
        Assert.Equal(Math.Exp(-0.02), c.CorrectProbability!.Value, 4);
        // Scoring generates nothing; a correct check needs no calculation either.
        Assert.Empty(model.Requests);
        Assert.Equal(0, c.Usage.GeneratedTokens);
        Assert.Equal(6, c.Usage.PrefillPasses);
    }

    [Fact]
    public async Task Check_DoubtedStep_IsWrongThereAndNamesTheModelsOwnValue()
    {
        var (checker, scorer, model) = Make();
        scorer.Doubt("10*3", "30", logProb: -2.5, greedy: false);
        model.Calculations["10*3"] = "31";

        var c = await checker.CheckAsync("q", Solution, "35", "35");

        Assert.Equal(VerdictKind.Wrong, c.Verdict);
        Assert.Equal(2, c.WrongStep);
        Assert.Equal("46-36=10 ok. 10*3=31 wrong. Verdict: wrong at step 2", c.Text);
        // p(correct) is the belief in the weakest step: its forward -2.5 plus its inverse -0.01.
        Assert.Equal(Math.Exp(-2.51), c.CorrectProbability!.Value, 4);
        Assert.Equal(3, c.Usage.GeneratedTokens); // "31."
        // The calc stops where calc_result's template ends the value, instead of running on into more drill steps.
        Assert.Equal(["."], Assert.Single(model.Requests).Sampling.StopStrings);
    }

    [Fact]
    public async Task Check_InverseDoubt_LowersTheScoreButNotTheVerdict()
    {
        var (checker, scorer, _) = Make();
        scorer.Doubt("35-5", "30", logProb: -1, greedy: false);

        var c = await checker.CheckAsync("q", Solution, "35", "35");

        Assert.Equal(VerdictKind.Correct, c.Verdict);
        Assert.Equal(Math.Exp(-1.01), c.CorrectProbability!.Value, 4);
        Assert.True(c.Steps![2].Agrees);
        Assert.False(c.Steps[2].InverseAgrees);
    }

    [Fact]
    public async Task Check_StepThatDoesNotContinueFromTheLast_ScoresZeroWithoutScoringIt()
    {
        var (checker, scorer, model) = Make();

        var c = await checker.CheckAsync("q", " 46-36=10. 12*3=36. Answer: 36", "36", "36");

        Assert.Equal(VerdictKind.Wrong, c.Verdict);
        Assert.Equal(2, c.WrongStep);
        Assert.Equal(0.0, c.CorrectProbability);
        Assert.Contains("not from the result before it (10)", c.Steps![1].Break);
        Assert.Equal(2, scorer.Scored.Count); // only the first step, forward and undone
        Assert.Equal("46-36=10 ok. 12*3=36 wrong. Verdict: wrong at step 2", c.Text);
        Assert.Empty(model.Requests); // a broken chain is not recomputed
    }

    [Fact]
    public async Task Check_AnswerThatIsNotTheLastResult_Fails()
    {
        var (checker, _, _) = Make();

        var c = await checker.CheckAsync("q", Solution.Replace("Answer: 35", "Answer: 36", StringComparison.Ordinal), "36", "36");

        Assert.Equal(3, c.WrongStep);
        Assert.Equal(0.0, c.CorrectProbability);
    }

    [Fact]
    public async Task Check_SolutionWithoutSteps_HasNoVerdictNeverCorrect()
    {
        var (checker, scorer, _) = Make();

        var c = await checker.CheckAsync("q", "I think it is 35. Answer: 35", "35", "35");

        Assert.Equal(VerdictKind.None, c.Verdict);
        Assert.Null(c.CorrectProbability);
        Assert.Empty(scorer.Scored);
    }

    [Fact]
    public void Constructor_PromptSetWithoutCalc_NamesWhatIsMissing()
    {
        var chat = PromptSet.Load(Path.Combine(RepoPaths.Root, "prompts", "chat"));

        var ex = Assert.Throws<ArgumentException>(() => new StepScoreChecker(new ScriptedScorer(), new ScriptedModel(), chat));

        Assert.Contains("calc_prompt", ex.Message);
    }

    [Fact]
    public void CandidateChecker_PrefersStepScoresOnlyWhenTheSetAndRuntimeSupportThem()
    {
        var chat = PromptSet.Load(Path.Combine(RepoPaths.Root, "prompts", "chat"));
        var model = new ScriptedModel();

        ICandidateChecker Checker(PromptSet prompts, IContinuationScorer? scorer) =>
            new SolverServices { Generator = model, Prompts = prompts, Scorer = scorer }.ResolveChecking().Checker;

        Assert.IsType<StepScoreChecker>(Checker(ScriptedPipeline.Arith, new ScriptedScorer()));
        Assert.IsType<SolutionChecker>(Checker(ScriptedPipeline.Arith, null));
        Assert.IsType<SolutionChecker>(Checker(chat, new ScriptedScorer()));
    }

    [Fact]
    public async Task WeightedVote_MinorityWithBelievedSteps_BeatsMajorityWithADoubtedStep()
    {
        var model = Model("7", "9", "9", "9");
        model.Solutions[0] = " 3+4=7. Answer: 7";
        for (var i = 1; i < 4; i++) model.Solutions[i] = " 3+5=9. Answer: 9";
        model.Calculations["3+5"] = "8";
        var scorer = new ScriptedScorer();
        scorer.Doubt("3+5", "9", logProb: -4);
        var solver = Stages(SelfConsistency(model), model, new StepScoreChecker(scorer, model, ScriptedPipeline.Arith)).UseVerification(_ => new VerificationOptions()).Build();

        var s = await solver.SolveAsync("q", Budget(4, verifications: 4));

        Assert.Equal("7", s.Answer);
        var nine = s.Verification!.Candidates.Single(c => c.Key == "9");
        Assert.Equal(3 * Math.Exp(-4.01), nine.Weight, 4);
    }

    [Fact]
    public void VerificationOptionsFor_StepScores_PriceUncheckedGroupsNearTheMeanScoreNotAtEvenOdds()
    {
        var model = new ScriptedModel();

        // The arith set's profile with its step-score checker; written critiques (no scorer) get the defaults.
        Assert.Equal(0.1, new SolverServices { Generator = model, Prompts = ScriptedPipeline.Arith, Scorer = new ScriptedScorer() }.ResolveChecking().Profile.Verification.UncheckedScore);
        Assert.Equal(0.5, new SolverServices { Generator = model, Prompts = ScriptedPipeline.Arith }.ResolveChecking().Profile.Verification.UncheckedScore);
    }
}

