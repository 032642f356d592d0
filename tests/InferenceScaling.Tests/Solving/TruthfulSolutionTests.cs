using InferenceScaling.Refinement;
using InferenceScaling.Solving;
using InferenceScaling.Tests.Fakes;
using InferenceScaling.Verification;
using static InferenceScaling.Tests.Fakes.ScriptedPipeline;

namespace InferenceScaling.Tests.Solving;

/// <summary>A solution's answer, tally, share and confidence describe one answer: the one returned, by the stage that chose it.</summary>
public sealed class TruthfulSolutionTests
{
    private static void AssertDescribesItsAnswer(Solution s)
    {
        Assert.Equal(s.AnswerKey, s.Tally.Winner?.Key);
        Assert.Equal(s.Tally.Share, s.VoteShare);
        Assert.Equal(s.Tally.Confidence, s.Confidence);
        Assert.Same(s.Tally, s.Tallies[s.Stage]);
        Assert.Equal(s.AnswerKey, s.WinningTrace is { } w ? w.Text[(w.Text.LastIndexOf(':') + 2)..] : null);
    }

    [Fact]
    public async Task TheVote_ProducesTheAnswer_OfSelfConsistency()
    {
        var model = Model("7", "5", "7");

        var s = await SelfConsistency(model).SolveAsync("q", Budget(3));

        Assert.Equal(SolutionStage.Vote, s.Stage);
        Assert.Equal([SolutionStage.Vote], s.Tallies.Keys);
        AssertDescribesItsAnswer(s);
    }

    [Fact]
    public async Task Verification_ProducesTheAnswer_AndKeepsTheVotesTally()
    {
        var model = Model("7", "5", "7", "5", "7");
        model.Checks[Checked("7")] = ScriptedCheck.Wrong(0.9);
        model.Checks[Checked("5")] = ScriptedCheck.Correct(0.9);

        var s = await Stages(SelfConsistency(model), model).UseVerification().Build().SolveAsync("q", Budget(5, verifications: 4));

        Assert.Equal(("5", SolutionStage.Verification), (s.Answer, s.Stage));
        Assert.Equal("7", s.Tallies[SolutionStage.Vote].Winner!.Key);
        Assert.Equal(0.6, s.Tallies[SolutionStage.Vote].Share, 12);
        AssertDescribesItsAnswer(s);
    }

    [Fact]
    public async Task AcceptedRevision_ProducesTheAnswer_WithTheTallyOfThePoolItCameFrom()
    {
        // 7 leads 3–2; its critique says wrong; both revisions say 5, confirmed.
        var model = Model("7", "5", "7", "5", "7");
        model.Checks[Checked("7")] = ScriptedCheck.Wrong(0.9, step: 1);
        model.Revisions[Checked("7")] = [Solution("5"), Solution("5")];
        model.Checks[Checked("5")] = ScriptedCheck.Correct(0.9);
        var solver = Stages(SelfConsistency(model), model).UseRefinement().Build();

        var s = await solver.SolveAsync("q", Budget(5, rounds: 2));

        Assert.Equal(("5", SolutionStage.Refinement), (s.Answer, s.Stage));
        AssertDescribesItsAnswer(s);
        Assert.Same(s.Refinement!.Tally, s.Tally);
        Assert.Equal(4, s.Tally.Winner!.Count);                  // two votes plus two revisions
        Assert.Equal(3, s.Tally.Excluded);                       // 7, the replaced answer, is set aside
        Assert.Equal(1.0, s.VoteShare);
        Assert.Equal("7", s.Tallies[SolutionStage.Vote].Winner!.Key);
    }

    [Fact]
    public async Task KeptAnswer_StaysTheEarlierStagesDecision()
    {
        var model = Model("7", "5", "7", "5", "7");
        model.Checks[Checked("7")] = ScriptedCheck.Wrong(0.9);
        model.Revisions[Checked("7")] = [Solution("7")];
        var solver = Stages(SelfConsistency(model), model).UseRefinement().Build();

        var s = await solver.SolveAsync("q", Budget(5, rounds: 1));

        Assert.Equal(RoundOutcome.NoNewAnswer, Assert.Single(s.Refinement!.Rounds).Outcome);
        Assert.Equal(SolutionStage.Vote, s.Stage);
        Assert.Null(s.Refinement.Tally);
        AssertDescribesItsAnswer(s);
    }
}
