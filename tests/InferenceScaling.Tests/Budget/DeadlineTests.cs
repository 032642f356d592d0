using InferenceScaling.Refinement;
using InferenceScaling.Solving;
using InferenceScaling.Tests.Fakes;
using InferenceScaling.Verification;
using static InferenceScaling.Tests.Fakes.ScriptedPipeline;

namespace InferenceScaling.Tests.Budgets;

/// <summary>
/// One deadline for the whole pipeline, from the injected clock: whichever stage is running when it passes, the call
/// returns the best answer so far. The clock is manual and a held generation waits for the cancellation: no sleeps.
/// </summary>
public sealed class DeadlineTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(2);

    private static ISolver Pipeline(SelfConsistencySolver sampler, ScriptedModel model, RefinementOptions? refinement = null) =>
        Stages(sampler, model)
            .UseRefinement(_ => refinement ?? new RefinementOptions())
            .UseVerification()
            .Build();

    /// <summary>Votes 7, 5, 7, 5, 7; 7's check says wrong; the check of 5 waits for the deadline.</summary>
    private static ScriptedModel HeldAtTheCheckOfFive()
    {
        var model = Model("7", "5", "7", "5", "7");
        model.Checks[Checked("7")] = ScriptedCheck.Wrong(0.9);
        model.Hold = r => r.Prompt.EndsWith("\nCheck:", StringComparison.Ordinal) && r.Prompt.Contains(Checked("5"), StringComparison.Ordinal);
        return model;
    }

    /// <summary>Votes 7, 5, 7, 5, 7; both checks say wrong (7 at 0.9, 5 at 0.95); 7's revisions wait for the deadline.</summary>
    private static ScriptedModel HeldAtTheRevisions()
    {
        var model = Model("7", "5", "7", "5", "7");
        model.Checks[Checked("7")] = ScriptedCheck.Wrong(0.9);
        model.Checks[Checked("5")] = ScriptedCheck.Wrong(0.95);
        model.Revisions[Checked("7")] = [Solution("5")];
        model.Hold = r => r.Prompt.EndsWith("\nFix:", StringComparison.Ordinal);
        return model;
    }

    /// <summary>Solves under a deadline of <see cref="Limit"/> and moves the clock past it once the held generation has started.</summary>
    private static async Task<Solution> SolveCutAsync(ScriptedModel model, RefinementOptions? refinement = null)
    {
        var time = new ManualTimeProvider();
        var task = Pipeline(SelfConsistency(model, time), model, refinement).SolveAsync("q", Budget(5, verifications: 4, rounds: 2) with { Deadline = Limit });
        await model.Holding;
        Assert.False(task.IsCompleted);
        time.Advance(Limit);
        return await task;
    }

    [Fact(Timeout = 30_000)] // a stage that ignored the deadline would wait forever; fail instead
    public async Task Deadline_DuringSampling_ReturnsTheVoteSoFar_AndRunsNoCheckOrRound()
    {
        var time = new ManualTimeProvider();
        var gate = new TaskCompletionSource();
        var script = Enumerable.Range(0, 8).Select(i => i < 3 ? ScriptedTrace.Answer(i == 2 ? "8" : "7") : ScriptedTrace.Answer("8") with { Gate = gate }).ToArray();
        var generator = new ScriptedTraceGenerator(script);
        var sampler = new SelfConsistencySolver(generator, AnswerLineExtractor.Instance, TrimEquivalence.Instance, timeProvider: time);
        var solver = Stages(sampler, generator)
            .UseVerification()
            .UseRefinement()
            .Build();

        var task = solver.SolveAsync("q", new InferenceScaling.Budget { MaxSamples = 8, MaxVerifications = 4, MaxRefinementRounds = 2, Deadline = Limit });
        await generator.Blocked;
        Assert.False(task.IsCompleted);
        time.Advance(Limit);
        generator.Pulse();
        var s = await task;

        Assert.Equal(("7", StopReason.Deadline, SolutionStage.Verification), (s.Answer, s.StopReason, s.Stage));
        Assert.True(s.IsDeadlineLimited);
        Assert.Single(generator.Requests);                       // no check, no revision was generated
        Assert.Empty(s.Verification!.Checks);
        Assert.False(s.Refinement!.GateOpened);
        Assert.Equal(5, s.TracesCancelled);
        Assert.Equal(Limit, s.Usage.WallTime);
    }

    [Fact(Timeout = 30_000)] // a stage that ignored the deadline would wait forever; fail instead
    public async Task Deadline_DuringChecks_RanksByTheChecksDoneSoFar()
    {
        var model = HeldAtTheCheckOfFive();
        var s = await SolveCutAsync(model);

        Assert.Equal((StopReason.Deadline, SolutionStage.Verification), (s.StopReason, s.Stage));
        var check = Assert.Single(s.Verification!.Checks);       // 7's check; 5's was cut
        Assert.Equal(Checked("7"), check.Solution);
        Assert.True(s.Verification.BudgetExhausted);
        Assert.Equal("5", s.Answer);                             // 7 checked at 0.1 weighs 0.3, unchecked 5 weighs 2 × 0.5
        Assert.False(s.Refinement!.GateOpened);
        Assert.Equal(0, model.FixRequests);
        Assert.Equal(Limit, s.Usage.WallTime);
    }

    [Fact(Timeout = 30_000)] // a stage that ignored the deadline would wait forever; fail instead
    public async Task Deadline_DuringRefinement_KeepsTheCurrentAnswer()
    {
        var model = HeldAtTheRevisions();
        var s = await SolveCutAsync(model);

        Assert.Equal(("7", StopReason.Deadline), (s.Answer, s.StopReason));
        Assert.Equal(2, s.Verification!.Checks.Count);
        var round = Assert.Single(s.Refinement!.Rounds);
        Assert.Equal(RoundOutcome.Deadline, round.Outcome);
        Assert.True(round.CritiqueReused);
        Assert.Empty(round.Revisions);
        Assert.False(s.Refinement.Changed);
        Assert.Equal(StopReason.Deadline, s.Refinement.Usage.StopReason);
        Assert.Equal(Limit, s.Usage.WallTime);
    }

    [Fact(Timeout = 30_000)] // a stage that ignored the deadline would wait forever; fail instead
    public async Task Deadline_DuringChecks_CountsWhatTheCutCheckGenerated()
    {
        var model = HeldAtTheCheckOfFive();
        var s = await SolveCutAsync(model);

        // The cut check of 5 had written HeldText: it is in verification's usage and in the solution's, with the check of 7.
        var done = Assert.Single(s.Verification!.Checks);
        Assert.Equal(done.Usage.GeneratedTokens + model.HeldText.Length, s.Verification.Usage.GeneratedTokens);
        Assert.Equal(model.Spent.GeneratedTokens, s.Usage.GeneratedTokens);
        Assert.Equal(model.Spent.Samples, s.Usage.Samples);
    }

    [Fact(Timeout = 30_000)] // a stage that ignored the deadline would wait forever; fail instead
    public async Task Deadline_DuringRefinement_CountsWhatTheCutRevisionsGenerated()
    {
        var model = HeldAtTheRevisions();
        var s = await SolveCutAsync(model, new RefinementOptions { RevisionsPerRound = 3 });

        // The round reused verification's critique; what its three cut revisions had written is its usage, refinement's and the solution's.
        var round = Assert.Single(s.Refinement!.Rounds);
        Assert.Equal((RoundOutcome.Deadline, 3 * model.HeldText.Length), (round.Outcome, round.Usage.GeneratedTokens));
        Assert.Equal(round.Usage.GeneratedTokens, s.Refinement.Usage.GeneratedTokens);
        Assert.Equal(model.Spent.GeneratedTokens, s.Usage.GeneratedTokens);
        Assert.Equal(model.Spent.Samples, s.Usage.Samples);
    }

    [Fact(Timeout = 30_000)] // a stage that ignored the deadline would wait forever; fail instead
    public async Task NoDeadline_TheSamePipelineRunsEveryStage()
    {
        var model = Model("7", "5", "7", "5", "7");
        model.Checks[Checked("7")] = ScriptedCheck.Wrong(0.9);
        model.Checks[Checked("5")] = ScriptedCheck.Wrong(0.95);
        model.Revisions[Checked("7")] = [Solution("7")];

        var s = await Pipeline(SelfConsistency(model, new ManualTimeProvider()), model).SolveAsync("q", Budget(5, verifications: 4, rounds: 1));

        Assert.NotEqual(StopReason.Deadline, s.StopReason);
        Assert.Equal(RoundOutcome.NoNewAnswer, Assert.Single(s.Refinement!.Rounds).Outcome);
        Assert.Equal(1, model.FixRequests);
    }
}
