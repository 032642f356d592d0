using InferenceScaling.Arith;
using InferenceScaling.Prompts;
using InferenceScaling.Refinement;
using InferenceScaling.Sampling;
using InferenceScaling.Solving;
using InferenceScaling.Tests.Fakes;
using InferenceScaling.Verification;
using InferenceScaling.Voting;
using static InferenceScaling.Tests.Fakes.ScriptedPipeline;

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

    /// <summary>The services of a scripted arith pipeline (no scorer, so checks are written critiques).</summary>
    private static SolverServices Services(ScriptedModel model) =>
        new() { Generator = model, Prompts = ScriptedPipeline.Arith, Extractor = AnswerLineExtractor.Instance, Equivalence = TrimEquivalence.Instance };

    /// <summary>7 leads 3–2 and its check says wrong; 5's check says wrong too; the one revision of 7 answers 8, which checks correct.</summary>
    private static ScriptedModel RevisableSplit()
    {
        var model = Model("7", "5", "7", "5", "7");
        model.Checks[Checked("7")] = ScriptedCheck.Wrong(0.9, step: 1);
        model.Checks[Checked("5")] = ScriptedCheck.Wrong(0.95);
        model.Revisions[Checked("7")] = [Solution("8")];
        model.Checks[Checked("8")] = ScriptedCheck.Correct();
        return model;
    }

    [Fact]
    public async Task EngineStages_TakeTheirPlaceWhateverOrderTheyAreAddedIn()
    {
        static RefinementOptions OneRevision(RefinementOptions o) => o with { RevisionsPerRound = 1, Confirmation = RevisionConfirmation.Critique };
        var first = RevisableSplit();
        var second = RevisableSplit();
        var refineFirst = new SolverBuilder(Services(first)).UseRefinement(OneRevision).UseVerification().Build();
        var verifyFirst = new SolverBuilder(Services(second)).UseVerification().UseRefinement(OneRevision).Build();

        var a = await refineFirst.SolveAsync("q", Budget(5, verifications: 4, rounds: 1));
        var b = await verifyFirst.SolveAsync("q", Budget(5, verifications: 4, rounds: 1));

        // Both: refinement outermost, reusing verification's check of 7 (verification ran first).
        Assert.IsType<RefinementSolver>(refineFirst);
        Assert.IsType<RefinementSolver>(verifyFirst);
        foreach (var s in new[] { a, b })
        {
            Assert.Equal(2, s.Verification!.Checks.Count);
            Assert.True(s.Refinement!.Rounds[0].CritiqueReused);
            Assert.Equal("8", s.Answer);
        }

        Assert.Equal([Checked("7"), Checked("5"), Checked("8")], first.Checked);
        Assert.Equal(first.Checked, second.Checked);
        Assert.Equal(a.Usage with { WallTime = default }, b.Usage with { WallTime = default });
    }

    [Fact]
    public void UseVerification_Again_ReplacesItsSettings()
    {
        var solver = new SolverBuilder(Services(RevisableSplit()))
            .UseVerification(o => o with { ChecksPerCandidate = 3 })
            .UseVerification(o => o with { Selection = VerificationSelection.VerifierOnly })
            .Build();

        var verification = Assert.IsType<VerificationSolver>(solver);
        Assert.Equal((VerificationSelection.VerifierOnly, 1), (verification.Options.Selection, verification.Options.ChecksPerCandidate));
    }

    [Fact]
    public void EngineStages_ShareOneChecker_FromThePromptSetsProfile()
    {
        var model = RevisableSplit();
        var services = Services(model) with { Scorer = new ScriptedScorer() };

        var solver = new SolverBuilder(services).UseVerification().Build();

        var verification = Assert.IsType<VerificationSolver>(solver);
        Assert.IsType<StepScoreChecker>(verification.Checker);
        // The arith set's profile for step scores: unchecked candidates priced at 0.1, not even odds.
        Assert.Equal(0.1, verification.Options.UncheckedScore);
    }

    [Fact]
    public void UseVerification_WithoutAPromptSet_FailsAtBuildNamingIt()
    {
        var builder = new SolverBuilder(new SolverServices { Generator = new ScriptedModel() }).UseVerification();

        var ex = Assert.Throws<InvalidOperationException>(builder.Build);

        Assert.Contains("SolverServices.Prompts", ex.Message);
    }

    [Fact]
    public void UseRefinement_OnABuilderWithoutServices_FailsAtBuildNamingThem()
    {
        var builder = SelfConsistency(new ScriptedModel()).AsBuilder().UseRefinement();

        var ex = Assert.Throws<InvalidOperationException>(builder.Build);

        Assert.Contains("SolverServices", ex.Message);
    }

    [Fact]
    public async Task UseVotingRule_IsTheInnerVotesRule()
    {
        var model = Model("7", "5", "5");
        model.SolutionLogProbs[0] = -0.001f;
        model.SolutionLogProbs[1] = -3f;
        model.SolutionLogProbs[2] = -3f;

        var majority = await Services(model).AsSolver().SolveAsync("q", Budget(3));
        var byLogProb = await Services(model).AsSolver(b => b.UseVotingRule(LogProbWeightedVote.Instance)).SolveAsync("q", Budget(3));

        Assert.Equal("5", majority.Answer);
        Assert.Equal("7", byLogProb.Answer);
    }

    [Fact]
    public async Task UseVotingRule_WithVerification_VerifiesFromThatRulesVote()
    {
        // No check gives a verdict, so every candidate keeps the unchecked score: the answer is the vote rule's.
        var model = Model("7", "5", "5");
        model.SolutionLogProbs[0] = -0.001f;
        model.SolutionLogProbs[1] = -3f;
        model.SolutionLogProbs[2] = -3f;

        var majority = await Services(model).AsSolver(b => b.UseVerification()).SolveAsync("q", Budget(3, verifications: 2));
        var byLogProb = await Services(model).AsSolver(b => b.UseVotingRule(LogProbWeightedVote.Instance).UseVerification()).SolveAsync("q", Budget(3, verifications: 2));

        Assert.NotNull(byLogProb.Verification);
        Assert.Equal(("5", "7"), (majority.Answer, byLogProb.Answer));
    }

    [Fact]
    public void UnknownChecker_FailsNamingItAndTheKnownOnes()
    {
        var services = Services(new ScriptedModel()) with { Checking = new CheckingProfile { Checker = "oracle" } };

        var ex = Assert.Throws<InvalidOperationException>(() => services.ResolveChecking());

        Assert.Contains("'oracle'", ex.Message);
        Assert.Contains(CheckingProfile.CritiqueChecker, ex.Message);
    }

    [Fact]
    public void Services_AnswerByType_ThenAskTheGenerator()
    {
        var model = new ScriptedModel();
        IServiceProvider services = Services(model);

        Assert.Same(ScriptedPipeline.Arith, services.GetService(typeof(PromptSet)));
        Assert.Same(model, services.GetService(typeof(ITraceGenerator)));
        Assert.Same(TimeProvider.System, services.GetService(typeof(TimeProvider)));
        Assert.Null(services.GetService(typeof(IContinuationScorer)));
    }
}
