using InferenceScaling.Arith;
using InferenceScaling.Refinement;
using InferenceScaling.Solving;
using InferenceScaling.Tests.Fakes;
using InferenceScaling.Verification;
using static InferenceScaling.Tests.Fakes.ScriptedPipeline;

namespace InferenceScaling.Tests.Refinement;

public sealed class RefinementSolverTests
{
    private static ISolver Refined(ScriptedModel model, RefinementOptions? options = null) =>
        Stages(SelfConsistency(model), model).UseRefinement(_ => options ?? new RefinementOptions()).Build();

    /// <summary>7 leads 3–2 (share 60%: not decisive); its check says wrong.</summary>
    private static ScriptedModel SplitVote()
    {
        var model = Model("7", "5", "7", "5", "7");
        model.Checks[Checked("7")] = ScriptedCheck.Wrong(0.9, step: 1);
        return model;
    }

    [Fact]
    public async Task Gate_SkipsDecisiveVotes()
    {
        var model = Model("7", "7", "7", "7", "7", "7", "7", "7");

        var s = await Refined(model).SolveAsync("q", Budget(8, rounds: 2));

        Assert.False(s.Refinement!.GateOpened);
        Assert.Equal(GateDecision.DecisiveVote, s.Refinement.Gate);
        Assert.Empty(s.Refinement.Rounds);
        Assert.Single(model.Requests);
        Assert.Equal(model.Spent with { WallTime = s.Usage.WallTime }, s.Usage with { StopReason = default });
    }

    [Fact]
    public async Task ZeroRounds_PassesTheSolutionThrough()
    {
        var model = SplitVote();

        var s = await Refined(model).SolveAsync("q", Budget(5));

        Assert.Null(s.Refinement);
        Assert.Single(model.Requests);
    }

    [Fact]
    public async Task CorrectVerdict_StopsRefinement()
    {
        var model = SplitVote();
        model.Checks[Checked("7")] = ScriptedCheck.Correct();

        var s = await Refined(model).SolveAsync("q", Budget(5, rounds: 3));

        var round = Assert.Single(s.Refinement!.Rounds);
        Assert.Equal(RoundOutcome.VerifiedCorrect, round.Outcome);
        Assert.Empty(round.Revisions);
        Assert.Equal(0, model.FixRequests);
        Assert.Equal("7", s.Answer);
        Assert.False(s.Refinement.Changed);
    }

    [Fact]
    public async Task Revision_ConfirmedByCritiqueAndReVote_IsAccepted()
    {
        var model = SplitVote();
        model.Revisions[Checked("7")] = [Solution("5"), Solution("5")];
        model.Checks[Checked("5")] = ScriptedCheck.Correct(0.9);

        var s = await Refined(model).SolveAsync("q", Budget(5, rounds: 2));

        Assert.Equal("5", s.Answer);
        Assert.Equal("5", s.AnswerKey);
        Assert.True(s.Refinement!.Changed);
        var round = s.Refinement.Rounds[0];
        Assert.Equal(RoundOutcome.Accepted, round.Outcome);
        Assert.Equal("5", round.CandidateAnswer);
        Assert.Equal(VerdictKind.Correct, round.ConfirmationCheck!.Verdict);
        Assert.Equal("5", round.ReVoteLeader);
        Assert.Equal(["5", "5"], round.Revisions.Select(r => r.Answer?.Text));
        Assert.Contains("1+1=2 wrong. Verdict: wrong at step 1", round.Critique.Text);
        // Round 2 reuses the confirming critique ("correct") and stops without generating anything.
        Assert.Equal(2, s.Refinement.Rounds.Count);
        Assert.True(s.Refinement.Rounds[1].CritiqueReused);
        Assert.Equal(RoundOutcome.VerifiedCorrect, s.Refinement.Rounds[1].Outcome);
        Assert.Equal(default, s.Refinement.Rounds[1].Usage);
        Assert.Equal(1, model.FixRequests);
    }

    [Fact]
    public async Task Revision_WhoseCritiqueSaysWrong_IsRejected()
    {
        var model = SplitVote();
        model.Revisions[Checked("7")] = [Solution("5")];
        model.Checks[Checked("5")] = ScriptedCheck.Wrong(0.8);

        var s = await Refined(model, new RefinementOptions { RevisionsPerRound = 1 }).SolveAsync("q", Budget(5, rounds: 1));

        var round = Assert.Single(s.Refinement!.Rounds);
        Assert.Equal(RoundOutcome.Rejected, round.Outcome);
        Assert.Equal([AcceptanceReason.CritiqueSaysWrong, AcceptanceReason.LeadsReVote], round.Reasons);
        Assert.Equal("7", s.Answer);
        Assert.False(s.Refinement.Changed);
    }

    [Fact]
    public async Task Revision_ContradictedByTheReVote_IsRejectedByDefault_ButAcceptedOnCritiqueAlone()
    {
        // 7 leads 4–3 over 5; the revision says 9 (2 votes with both revisions), which the pool without 7 does not prefer.
        var answers = new[] { "7", "5", "7", "5", "7", "5", "7" };
        var model = Model(answers);
        model.Checks[Checked("7")] = ScriptedCheck.Wrong();
        model.Revisions[Checked("7")] = [Solution("9"), Solution("9")];
        model.Checks[Checked("9")] = ScriptedCheck.Correct();

        var byDefault = await Refined(model).SolveAsync("q", Budget(7, rounds: 1));
        Assert.Equal(RoundOutcome.Rejected, byDefault.Refinement!.Rounds[0].Outcome);
        Assert.Equal("5", byDefault.Refinement.Rounds[0].ReVoteLeader);
        Assert.Equal([AcceptanceReason.CritiqueSaysCorrect, AcceptanceReason.ReVotePrefersAnother], byDefault.Refinement.Rounds[0].Reasons);
        Assert.Equal("7", byDefault.Answer);

        var critiqueOnly = await Refined(model, new RefinementOptions { Confirmation = RevisionConfirmation.Critique }).SolveAsync("q", Budget(7, rounds: 1));
        Assert.Equal(RoundOutcome.Accepted, critiqueOnly.Refinement!.Rounds[0].Outcome);
        Assert.Null(critiqueOnly.Refinement.Rounds[0].ReVoteLeader);
        Assert.Equal("9", critiqueOnly.Answer);
    }

    [Fact]
    public async Task ReVoteOnly_AcceptsWithoutCritiquingTheRevision()
    {
        var model = SplitVote();
        model.Revisions[Checked("7")] = [Solution("5")];

        var s = await Refined(model, new RefinementOptions { Confirmation = RevisionConfirmation.ReVote, RevisionsPerRound = 1 }).SolveAsync("q", Budget(5, rounds: 1));

        Assert.Equal(RoundOutcome.Accepted, s.Refinement!.Rounds[0].Outcome);
        Assert.Null(s.Refinement.Rounds[0].ConfirmationCheck);
        Assert.Equal([Checked("7")], model.Checked);
        Assert.Equal("5", s.Answer);
    }

    [Fact]
    public async Task Rounds_NeverExceedTheBudget_AndTheCritiqueIsNotRepeated()
    {
        var model = SplitVote();
        model.Revisions[Checked("7")] = [Solution("7"), " I give up"];

        var s = await Refined(model).SolveAsync("q", Budget(5, rounds: 3));

        Assert.Equal(3, s.Refinement!.Rounds.Count);
        Assert.All(s.Refinement.Rounds, r => Assert.Equal(RoundOutcome.NoNewAnswer, r.Outcome));
        Assert.Equal([false, true, true], s.Refinement.Rounds.Select(r => r.CritiqueReused));
        Assert.Equal([Checked("7")], model.Checked);
        Assert.Equal(3, model.FixRequests);
        // Each round draws new revisions: its own random streams.
        Assert.Equal([0, 2, 4], model.Requests.Where(r => r.Prompt.EndsWith("Fix:", StringComparison.Ordinal)).Select(r => r.FirstIndex));
    }

    [Fact]
    public async Task MalformedCritique_StopsWithoutChangingTheAnswer()
    {
        var model = SplitVote();
        model.Checks[Checked("7")] = new ScriptedCheck(" 7+0=7 ok. Verdict: probably fine");

        var s = await Refined(model).SolveAsync("q", Budget(5, rounds: 2));

        var round = Assert.Single(s.Refinement!.Rounds);
        Assert.Equal(RoundOutcome.NoVerdict, round.Outcome);
        Assert.Equal("7", s.Answer);
        Assert.Equal(0, model.FixRequests);
    }

    [Fact]
    public async Task RevisePrompt_CarriesTheSolutionAndTheCritique()
    {
        var model = SplitVote();
        model.Revisions[Checked("7")] = [Solution("7")];

        await Refined(model, new RefinementOptions { RevisionsPerRound = 1 }).SolveAsync("q", Budget(5, rounds: 1));

        var fix = model.Requests.Single(r => r.Prompt.EndsWith("Fix:", StringComparison.Ordinal));
        Assert.Equal("Q: q\nS: 7+0=7. Answer: 7\nCheck: 1+1=2 wrong. Verdict: wrong at step 1\nFix:", fix.Prompt);
    }

    [Fact]
    public async Task Usage_AddsEveryRoundExactly()
    {
        var model = SplitVote();
        model.Revisions[Checked("7")] = [Solution("9"), Solution("5")];
        model.Checks[Checked("9")] = ScriptedCheck.Wrong();
        model.Checks[Checked("5")] = ScriptedCheck.Correct();

        var s = await Refined(model).SolveAsync("q", Budget(5, rounds: 3));

        Assert.Equal(model.Spent with { WallTime = s.Usage.WallTime }, s.Usage with { StopReason = default });
        var rounds = s.Refinement!.Rounds.Aggregate(default(Usage), (u, r) => u + r.Usage);
        Assert.Equal(s.Refinement.Usage, rounds);
        Assert.Equal(s.Usage.GeneratedTokens - s.Traces.Sum(t => t.GeneratedTokens), rounds.GeneratedTokens);
    }

    [Fact]
    public async Task Refinement_ReusesTheVerificationChecks()
    {
        // Verification checks 7 (wrong) and 5 (wrong, weaker), keeps 7 as the winner at a non-decisive share;
        // refinement's first critique is verification's check of 7, not a new one.
        var model = SplitVote();
        model.Checks[Checked("5")] = ScriptedCheck.Wrong(0.95);
        model.Revisions[Checked("7")] = [Solution("8")];
        model.Checks[Checked("8")] = ScriptedCheck.Correct();
        var solver = Stages(SelfConsistency(model), model)
            .UseRefinement(_ => new RefinementOptions { RevisionsPerRound = 1, Confirmation = RevisionConfirmation.Critique })
            .UseVerification()
            .Build();

        var s = await solver.SolveAsync("q", Budget(5, verifications: 4, rounds: 1));

        Assert.Equal(2, s.Verification!.Checks.Count);
        Assert.True(s.Refinement!.Rounds[0].CritiqueReused);
        Assert.Same(s.Verification.Checks[0], s.Refinement.Rounds[0].Critique);
        Assert.Equal([Checked("7"), Checked("5"), Checked("8")], model.Checked);
        Assert.Equal("8", s.Answer);
        Assert.Equal(model.Spent with { WallTime = s.Usage.WallTime }, s.Usage with { StopReason = default });
    }

    [Fact]
    public async Task StageOrder_DoesNotMatter_VerificationRunsFirstEitherWay()
    {
        static ScriptedModel Scripted()
        {
            var model = SplitVote();
            model.Checks[Checked("5")] = ScriptedCheck.Wrong(0.95);
            model.Revisions[Checked("7")] = [Solution("8")];
            model.Checks[Checked("8")] = ScriptedCheck.Correct();
            return model;
        }

        var options = new RefinementOptions { RevisionsPerRound = 1, Confirmation = RevisionConfirmation.Critique };
        var first = Scripted();
        var refineFirst = await Stages(SelfConsistency(first), first)
            .UseRefinement(_ => options)
            .UseVerification()
            .Build().SolveAsync("q", Budget(5, verifications: 4, rounds: 1));
        var second = Scripted();
        var verifyFirst = await Stages(SelfConsistency(second), second)
            .UseVerification()
            .UseRefinement(_ => options)
            .Build().SolveAsync("q", Budget(5, verifications: 4, rounds: 1));

        Assert.Equal([Checked("7"), Checked("5"), Checked("8")], first.Checked);
        Assert.Equal(first.Checked, second.Checked);
        Assert.Equal(("8", true), (verifyFirst.Answer, verifyFirst.Refinement!.Rounds[0].CritiqueReused));
        Assert.Equal(refineFirst.Answer, verifyFirst.Answer);
        Assert.Equal(refineFirst.Usage with { WallTime = default }, verifyFirst.Usage with { WallTime = default });
    }

    /// <summary>9 leads 7 three to two; the model doubts 9's second step (3+5=9, its own value 8), believes the rest.</summary>
    private static (ScriptedModel Model, StepScoreChecker Checker, ScriptedScorer Scorer) DoubtedSecondStep()
    {
        var model = Model("9", "7", "9", "7", "9");
        for (var i = 0; i < 5; i++) model.Solutions[i] = i % 2 == 0 ? " 2+1=3. 3+5=9. Answer: 9" : " 2+1=3. 3+4=7. Answer: 7";
        model.Calculations["3+5"] = "8";
        model.Continuations[" 2+1=3."] = [" 3+4=7. Answer: 7"];
        var scorer = new ScriptedScorer();
        scorer.Doubt("3+5", "9", logProb: -3);
        return (model, new StepScoreChecker(scorer, model, ScriptedPipeline.Arith), scorer);
    }

    private static ISolver Continued(ScriptedModel model, ICandidateChecker checker) =>
        Stages(SelfConsistency(model), model, checker)
            .UseRefinement(_ => new RefinementOptions { Source = ArithProfile.ContinueFromCheckedSteps, Confirmation = RevisionConfirmation.Improves, RevisionsPerRound = 1 }).Build();

    [Fact]
    public async Task ContinueFromCheckedSteps_KeepsThePassedStepsAndSolvesOnFromThem()
    {
        var (model, checker, _) = DoubtedSecondStep();

        var s = await Continued(model, checker).SolveAsync("q", Budget(5, rounds: 1));

        var round = Assert.Single(s.Refinement!.Rounds);
        Assert.Equal("2+1=3 ok. 3+5=8 wrong. Verdict: wrong at step 2", round.Critique.Text);
        Assert.Contains(model.Requests, r => r.Prompt == "Q: q\nA: 2+1=3.");
        Assert.Equal(" 2+1=3. 3+4=7. Answer: 7", Assert.Single(round.Revisions).Trace.Text);
        Assert.Equal(RoundOutcome.Accepted, round.Outcome);
        Assert.Equal([AcceptanceReason.ScoresHigher], round.Reasons);
        Assert.Equal("7", s.Answer);
        Assert.Equal(0, model.FixRequests);
    }

    [Fact]
    public async Task ImprovesConfirmation_RejectsARevisionTheCheckerBelievesLess()
    {
        var (model, checker, scorer) = DoubtedSecondStep();
        scorer.Doubt("3+4", "7", logProb: -6);
        model.Calculations["3+4"] = "6";

        var s = await Continued(model, checker).SolveAsync("q", Budget(5, rounds: 1));

        var round = Assert.Single(s.Refinement!.Rounds);
        Assert.Equal(RoundOutcome.Rejected, round.Outcome);
        Assert.Equal([AcceptanceReason.ScoresNoHigher], round.Reasons);
        Assert.Equal("9", s.Answer);
    }

    [Fact]
    public void Confirmation_OutsideTheKnownFlags_IsRejected() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new RefinementOptions { Confirmation = (RevisionConfirmation)8 });

    [Fact]
    public void OptionsFor_StepChecker_ContinueFromCheckedStepsAndAcceptWhatScoresHigher()
    {
        var model = new ScriptedModel();
        var steps = new SolverServices { Generator = model, Prompts = ScriptedPipeline.Arith, Scorer = new ScriptedScorer() }.ResolveChecking().Profile.Refinement;
        var critique = new SolverServices { Generator = model, Prompts = ScriptedPipeline.Arith }.ResolveChecking().Profile.Refinement;

        Assert.Equal((ArithProfile.ContinueFromCheckedSteps, RevisionConfirmation.Improves, 8, true), (steps.Source, steps.Confirmation, steps.RevisionsPerRound, steps.ChooseRevisionByCheck));
        Assert.Equal((RefinementOptions.RevisePrompt, RevisionConfirmation.Both, 2, false), (critique.Source, critique.Confirmation, critique.RevisionsPerRound, critique.ChooseRevisionByCheck));
    }

    [Fact]
    public async Task ChooseRevisionByCheck_PutsUpTheBestScoredNewAnswerNotTheMostFrequent()
    {
        var (model, checker, scorer) = DoubtedSecondStep();
        model.Continuations[" 2+1=3."] = [" 3+4=7. Answer: 7", " 3+4=7. Answer: 7", " 3+3=6. Answer: 6"];
        scorer.Doubt("3+4", "7", logProb: -5);
        model.Calculations["3+4"] = "8";
        RefinementOptions Options(bool byCheck) => new()
        {
            Source = ArithProfile.ContinueFromCheckedSteps, Confirmation = RevisionConfirmation.Improves, RevisionsPerRound = 3, ChooseRevisionByCheck = byCheck,
        };
        ISolver Solver(bool byCheck) => Stages(SelfConsistency(model), model, checker)
            .UseRefinement(_ => Options(byCheck)).Build();

        var byFrequency = await Solver(false).SolveAsync("q", Budget(5, rounds: 1));
        var byCheck = await Solver(true).SolveAsync("q", Budget(5, rounds: 1));

        Assert.Equal(("7", RoundOutcome.Rejected), (byFrequency.Refinement!.Rounds[0].CandidateAnswer, byFrequency.Refinement.Rounds[0].Outcome));
        var round = byCheck.Refinement!.Rounds[0];
        Assert.Equal(("6", RoundOutcome.Accepted), (round.CandidateAnswer, round.Outcome));
        Assert.Equal("6", byCheck.Answer);
        Assert.Equal(Math.Exp(-0.02), round.ConfirmationCheck!.CorrectProbability!.Value, 4);
    }
}

