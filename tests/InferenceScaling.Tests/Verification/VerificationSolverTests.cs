using InferenceScaling.Prompts;
using InferenceScaling.Sampling;
using InferenceScaling.Solving;
using InferenceScaling.Tests.Fakes;
using InferenceScaling.Verification;
using static InferenceScaling.Tests.Fakes.ScriptedPipeline;

namespace InferenceScaling.Tests.Verification;

public sealed class VerificationSolverTests
{
    private static ISolver Verified(ScriptedModel model, VerificationOptions? options = null) =>
        Stages(SelfConsistency(model), model).UseVerification(_ => options ?? new VerificationOptions()).Build();

    [Theory]
    [InlineData(false, "5")]
    [InlineData(true, "7")]
    public async Task Verification_StartsFromTheInnerVoteRule_LogProbVotesStayLogProbVotes(bool logProbVote, string expected)
    {
        // Three unsure traces say 5, two confident ones say 7; both answers check alike. Majority keeps 5; a log-prob
        // vote (--vote logprob --verify) must still pick 7 after verification re-weighs it.
        var model = Model("5", "5", "5", "7", "7");
        for (var i = 0; i < 3; i++) model.SolutionLogProbs[i] = -3f;
        for (var i = 3; i < 5; i++) model.SolutionLogProbs[i] = -0.01f;
        model.Checks[Checked("5")] = ScriptedCheck.Correct(0.9);
        model.Checks[Checked("7")] = ScriptedCheck.Correct(0.9);
        var inner = new SelfConsistencySolver(model, AnswerLineExtractor.Instance, TrimEquivalence.Instance,
            logProbVote ? InferenceScaling.Voting.LogProbWeightedVote.Instance : null, new SelfConsistencyOptions { PromptTemplate = ScriptedPipeline.Arith.Solve });

        var s = await Stages(inner, model).UseVerification(_ => new VerificationOptions { StopWhenDecided = false })
            .Build().SolveAsync("q", Budget(5, verifications: 4));

        Assert.Equal(2, s.Verification!.Checks.Count);
        Assert.Equal(expected, s.Answer);
        Assert.Equal(expected, s.Verification.Candidates[0].Key);
    }

    /// <summary>32 traces over ten distinct answers (1 and 2 four times, the rest three), every check "wrong", so no vote or check settles early.</summary>
    private static ScriptedModel TenWaySplit()
    {
        var model = Model([.. Enumerable.Range(0, 32).Select(i => (i % 10 + 1).ToString(System.Globalization.CultureInfo.InvariantCulture))]);
        for (var a = 1; a <= 10; a++) model.Checks[Checked(a.ToString(System.Globalization.CultureInfo.InvariantCulture))] = ScriptedCheck.Wrong(0.9);
        return model;
    }

    /// <summary>Verification over scripted services whose checking profile is <paramref name="profile"/> (written checks, so the scripted model can answer them).</summary>
    private static ISolver VerifiedUnder(ScriptedModel model, CheckingProfile profile) =>
        new SolverServices { Generator = model, Prompts = ScriptedPipeline.Arith, Extractor = AnswerLineExtractor.Instance, Equivalence = TrimEquivalence.Instance, Checking = profile }
            .AsSolver(b => b.UseVerification());

    [Fact]
    public async Task Thorough_UnderTheArithProfile_ChecksEveryDistinctCandidate()
    {
        // arith's checks_per_sample (1: step checks are cheap), with written checks the scripted model can answer.
        var profile = ScriptedPipeline.Arith.Checking with { Checker = CheckingProfile.CritiqueChecker, Provider = null };
        var model = TenWaySplit();

        var s = await VerifiedUnder(model, profile).SolveAsync("q", InferenceScaling.Budget.Thorough);

        Assert.Equal(32, s.TracesDrawn);
        Assert.Equal(10, s.Verification!.Checks.Count);
        Assert.Equal(10, model.Checked.Distinct().Count());
        Assert.False(s.Verification.BudgetExhausted);
    }

    [Fact]
    public async Task Thorough_UnderTheCritiqueProfile_ChecksAQuarterOfTheSampleBudget()
    {
        var model = TenWaySplit();

        var s = await VerifiedUnder(model, CheckingProfile.Default).SolveAsync("q", InferenceScaling.Budget.Thorough);

        Assert.Equal(8, s.Verification!.Checks.Count); // ⌊32 × 0.25⌋
        Assert.True(s.Verification.BudgetExhausted);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(0)]
    public async Task AnExplicitCheckCount_IsHonouredUnderACheapProfile(int checks)
    {
        var model = TenWaySplit();

        var s = await VerifiedUnder(model, new CheckingProfile { ChecksPerSample = 1 }).SolveAsync("q", InferenceScaling.Budget.Parse($"thorough,verifications={checks}"));

        Assert.Equal(checks, s.Verification?.Checks.Count ?? 0);
        Assert.Equal(checks, model.Checked.Count);
    }

    [Fact]
    public async Task DistinctAnswers_AreCheckedOnceEachInVoteOrder()
    {
        var model = Model("7", "5", "7", "9", "5", "7");
        model.Checks[Checked("7")] = ScriptedCheck.Correct(0.6);
        model.Checks[Checked("5")] = ScriptedCheck.Correct(0.6);
        model.Checks[Checked("9")] = ScriptedCheck.Correct(0.6);

        var s = await Verified(model, new VerificationOptions { StopWhenDecided = false }).SolveAsync("q", Budget(6, verifications: 10));

        Assert.Equal([Checked("7"), Checked("5"), Checked("9")], model.Checked);
        Assert.Equal(3, s.Verification!.Checks.Count);
        Assert.All(s.Verification.Candidates, c => Assert.Single(c.Checks));
        Assert.False(s.Verification.BudgetExhausted);
    }

    [Fact]
    public async Task EachGroup_IsCheckedThroughItsHighestLogProbTrace()
    {
        var model = Model("7", "7");
        model.Solutions[0] = " 3+4=7. Answer: 7";
        model.SolutionLogProbs[1] = -0.01f;
        model.Checks[Checked("7")] = ScriptedCheck.Correct();

        var s = await Verified(model).SolveAsync("q", Budget(2, verifications: 4));

        Assert.Equal([Checked("7")], model.Checked);
        Assert.Equal(1, s.Verification!.Checks[0].SolutionTraceIndex);
    }

    [Fact]
    public async Task SeveralChecksPerGroup_UseDifferentTraces_WhenTheBudgetAllows()
    {
        var model = Model("7", "7", "5");
        model.Solutions[1] = " 3+4=7. Answer: 7";
        model.Checks[Checked("7")] = ScriptedCheck.Correct(0.8);
        model.Checks["3+4=7. Answer: 7"] = ScriptedCheck.Wrong(0.8);
        model.Checks[Checked("5")] = ScriptedCheck.Wrong(0.5);

        var s = await Verified(model, new VerificationOptions { ChecksPerCandidate = 2, StopWhenDecided = false }).SolveAsync("q", Budget(3, verifications: 5));

        Assert.Equal([Checked("7"), Checked("5"), "3+4=7. Answer: 7"], model.Checked);
        var seven = s.Verification!.Candidates.Single(c => c.Key == "7");
        Assert.Equal(0.5, seven.Score!.Value, 5);
    }

    [Fact]
    public async Task Budget_CapsTheChecks_LikelyWinnersFirst()
    {
        var model = Model("7", "5", "7", "9", "5", "7");
        foreach (var a in new[] { "7", "5", "9" }) model.Checks[Checked(a)] = ScriptedCheck.Wrong(0.9);

        var s = await Verified(model).SolveAsync("q", Budget(6, verifications: 2));

        Assert.Equal([Checked("7"), Checked("5")], model.Checked);
        Assert.True(s.Verification!.BudgetExhausted);
        Assert.Empty(s.Verification.Candidates.Single(c => c.Key == "9").Checks);
        Assert.Null(s.Verification.Candidates.Single(c => c.Key == "9").Score);
    }

    [Fact]
    public async Task ZeroVerifications_PassesTheSolutionThrough()
    {
        var model = Model("7", "5", "7");

        var s = await Verified(model).SolveAsync("q", Budget(3));

        Assert.Null(s.Verification);
        Assert.Empty(model.Checked);
        Assert.Equal("7", s.Answer);
    }

    [Fact]
    public async Task Checking_StopsOnceTheLeaderCannotBeOvertaken()
    {
        // 7 has 5 votes and checks correct at 0.9 (weight 4.5); 5 (2 votes) and 9 (1) could reach at most 2 and 1.
        var model = Model("7", "7", "5", "7", "9", "7", "5", "7");
        model.Checks[Checked("7")] = ScriptedCheck.Correct(0.9);

        var s = await Verified(model).SolveAsync("q", Budget(8, verifications: 8));

        Assert.Equal([Checked("7")], model.Checked);
        Assert.True(s.Verification!.StoppedEarly);
        Assert.False(s.Verification.BudgetExhausted);
        Assert.Equal("7", s.Answer);
    }

    [Fact]
    public async Task Checking_GoesOn_WhileARunnerUpCouldStillOvertake()
    {
        // 7 (3 votes) checks wrong: weight 0.3; 5 (2 votes) could reach 2, so it is checked too.
        var model = Model("7", "5", "7", "5", "7");
        model.Checks[Checked("7")] = ScriptedCheck.Wrong(0.9);
        model.Checks[Checked("5")] = ScriptedCheck.Correct(0.9);

        var s = await Verified(model).SolveAsync("q", Budget(5, verifications: 8));

        Assert.Equal([Checked("7"), Checked("5")], model.Checked);
        Assert.Equal("5", s.Answer);
    }

    [Theory]
    [InlineData(VerificationSelection.Weighted)]
    [InlineData(VerificationSelection.VerifierOnly)]
    public async Task MinorityAnswer_WithStrongVerdicts_Wins(VerificationSelection selection)
    {
        var model = Model("7", "5", "7", "5", "7");
        model.Checks[Checked("7")] = ScriptedCheck.Wrong(0.9);
        model.Checks[Checked("5")] = ScriptedCheck.Correct(0.95);

        var s = await Verified(model, new VerificationOptions { Selection = selection }).SolveAsync("q", Budget(5, verifications: 4));

        Assert.Equal("5", s.Answer);
        Assert.Equal("5", s.AnswerKey);
        Assert.Equal("7", s.Verification!.VotedAnswerKey);
        Assert.True(s.Verification.ChangedAnswer);
        Assert.Equal(["5", "7"], s.Verification.Candidates.Select(c => c.Key));
        Assert.Equal([2, 3], s.Verification.Candidates.Select(c => c.Votes));
        Assert.Equal(0.95, s.Verification.Candidates[0].Score!.Value, 5);
        Assert.Equal(0.1, s.Verification.Candidates[1].Score!.Value, 5);
        Assert.Contains("Verdict: correct", s.Verification.Candidates[0].Checks[0].Text);
        Assert.Equal("5", s.Tally.Winner!.Key);
        Assert.Contains(s.WinningTrace!.Index, new[] { 1, 3 });
    }

    [Fact]
    public async Task WeightedVote_IsCountTimesScore_WithTheNeutralPriorForUnchecked()
    {
        var model = Model("7", "5", "7", "9", "5", "7");
        model.Checks[Checked("7")] = ScriptedCheck.Correct(0.5);

        var s = await Verified(model).SolveAsync("q", Budget(6, verifications: 1));

        var weights = s.Verification!.Candidates.ToDictionary(c => c.Key, c => c.Weight);
        Assert.Equal(1.5, weights["7"], 5);
        Assert.Equal(1.0, weights["5"], 5);
        Assert.Equal(0.5, weights["9"], 5);
    }

    [Fact]
    public async Task MalformedCheck_CountsAsNoVerdict_NeverAsCorrect()
    {
        // 5's check is cut off before its verdict: it keeps the neutral prior (1 vote × 0.5), not a "correct" score.
        var model = Model("7", "5", "7");
        model.Checks[Checked("7")] = ScriptedCheck.Wrong(0.6);
        model.Checks[Checked("5")] = new ScriptedCheck(" 5+0=5 ok. Verdict: corr");

        var s = await Verified(model).SolveAsync("q", Budget(3, verifications: 4));

        var five = s.Verification!.Candidates.Single(c => c.Key == "5");
        Assert.Equal(VerdictKind.None, five.Checks[0].Verdict);
        Assert.Null(five.Checks[0].CorrectProbability);
        Assert.Null(five.Score);
        Assert.Equal(0.5, five.Weight, 5);
        Assert.Equal("7", s.Answer);  // 7: 2 votes × 0.4 = 0.8 > 0.5
    }

    [Fact]
    public async Task Score_IsReadFromTheVerdictTokensProbability()
    {
        var model = Model("7", "5");
        model.Checks[Checked("7")] = ScriptedCheck.Correct(0.8);
        model.Checks[Checked("5")] = ScriptedCheck.Wrong(0.7);

        var s = await Verified(model, new VerificationOptions { StopWhenDecided = false }).SolveAsync("q", Budget(2, verifications: 2));

        var checks = s.Verification!.Checks;
        Assert.Equal(0.8, checks[0].VerdictProbability!.Value, 5);
        Assert.Equal(0.8, checks[0].CorrectProbability!.Value, 5);
        Assert.Equal(0.7, checks[1].VerdictProbability!.Value, 5);
        Assert.Equal(0.3, checks[1].CorrectProbability!.Value, 5);
        Assert.Equal(1, checks[1].WrongStep);
    }

    [Fact]
    public async Task Checks_AreGreedyByDefault()
    {
        var model = Model("7");
        model.Checks[Checked("7")] = ScriptedCheck.Correct();

        await Verified(model).SolveAsync("q", Budget(1, verifications: 1));

        var check = model.Requests.Single(r => r.Prompt.EndsWith("Check:", StringComparison.Ordinal));
        Assert.Equal(0f, check.Sampling.Temperature);
        Assert.Equal("Q: q\nS: 7+0=7. Answer: 7\nCheck:", check.Prompt);
    }

    [Fact]
    public async Task Usage_AddsEveryChecksTokensExactly()
    {
        var model = Model("7", "5", "7", "9");
        model.Checks[Checked("7")] = ScriptedCheck.Wrong(0.9);
        model.Checks[Checked("5")] = ScriptedCheck.Correct(0.9);
        model.Checks[Checked("9")] = new ScriptedCheck("garbage");

        var s = await Verified(model, new VerificationOptions { StopWhenDecided = false }).SolveAsync("q", Budget(4, verifications: 3));

        Assert.Equal(model.Spent with { WallTime = s.Usage.WallTime }, s.Usage with { StopReason = default });
        var checks = s.Verification!.Usage;
        Assert.Equal(3, checks.Samples);
        Assert.Equal(3, checks.PrefillPasses);
        Assert.Equal(s.Verification.Checks.Sum(c => c.Text.Length), checks.GeneratedTokens);
        Assert.Equal(s.Verification.Checks.Sum(c => c.Usage.PromptTokens), checks.PromptTokens);
    }

    [Fact]
    public async Task TokenCap_LeavesOutChecksThatCannotFit()
    {
        // Solutions: 2 × 17 tokens; the first check (27 tokens) fits in full (34 + 160 ≤ 210), the second cannot (61 + 160).
        var model = Model("7", "5");
        model.Checks[Checked("7")] = ScriptedCheck.Correct();
        var budget = Budget(2, verifications: 2) with { MaxGeneratedTokens = 210 };

        var s = await Verified(model, new VerificationOptions { StopWhenDecided = false }).SolveAsync("q", budget);

        Assert.Single(s.Verification!.Checks);
        Assert.True(s.Verification.BudgetExhausted);
    }
}
