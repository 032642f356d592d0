using InferenceScaling.Arith;
using InferenceScaling.Prompts;
using InferenceScaling.Refinement;
using InferenceScaling.Solving;
using InferenceScaling.Verification;

namespace InferenceScaling.Tests.Prompts;

public sealed class CheckingProfileTests
{
    private static string Root => Path.Combine(RepoPaths.Root, "prompts");

    [Fact]
    public void ArithSet_ChecksByStepScores_EveryCandidate_WithItsMeasuredSettings()
    {
        var profile = PromptSet.Load(Path.Combine(Root, "arith")).Checking;

        Assert.Equal(("step-scores", "InferenceScaling.Arith"), (profile.Checker, profile.Provider));
        Assert.True(profile.ChecksEveryCandidate);
        Assert.Equal(16, profile.ChecksFor(16));
        Assert.Equal(0.1, profile.Verification.UncheckedScore);
        var r = profile.Refinement;
        Assert.Equal((ArithProfile.ContinueFromCheckedSteps, RevisionConfirmation.Improves, 8, true), (r.Source, r.Confirmation, r.RevisionsPerRound, r.ChooseRevisionByCheck));
    }

    [Fact]
    public void SetWithoutCheckingSection_GetsWrittenCritiquesAndACheckPerFourSamples()
    {
        var profile = PromptSet.Load(Path.Combine(Root, "chat")).Checking;

        Assert.Same(CheckingProfile.Default, profile);
        Assert.Equal(CheckingProfile.CritiqueChecker, profile.Checker);
        Assert.Equal((4, 1), (profile.ChecksFor(16), profile.ChecksFor(2)));
        Assert.Equal(0.5, profile.Verification.UncheckedScore);
    }

    [Fact]
    public void RevisionSource_IsAnyRegisteredName_SoAModelPackageCanAddOne()
    {
        SolverServices.RegisterRevisionSource("test-keep-solution", new KeepSolution());
        var dir = Directory.CreateTempSubdirectory("prompts-").FullName;
        try
        {
            foreach (var f in new[] { "s.txt", "c.txt", "r.txt" }) File.WriteAllText(Path.Combine(dir, f), "{question}");
            File.WriteAllText(Path.Combine(dir, "prompt-set.json"),
                """{"solve":"s.txt","critique":"c.txt","revise":"r.txt","verdict_correct":"ok","verdict_wrong":"bad","checking":{"refinement":{"source":"test-keep-solution"}}}""");

            Assert.Equal("test-keep-solution", PromptSet.Load(dir).Checking.Refinement.Source);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Theory]
    [InlineData("""{"unchecked_score": 2}""", "checking.unchecked_score")]
    [InlineData("""{"checks_per_sample": 0}""", "checking.checks_per_sample")]
    [InlineData("""{"checker": 3}""", "checking.checker")]
    [InlineData("""{"refinement": {"source": "guess"}}""", "checking.refinement.source")]
    [InlineData("""{"provider": "No.Such.Provider", "refinement": {"source": "guess"}}""", "checking.provider")]
    [InlineData("""{"refinement": {"confirmation": "critique+vibes"}}""", "checking.refinement.confirmation")]
    [InlineData("""{"refinement": {"revisions": 0}}""", "checking.refinement.revisions")]
    [InlineData("""{"uncheked_score": 0.1}""", "checking.uncheked_score")]
    [InlineData("""[]""", "checking")]
    public void BadCheckingField_FailsAtLoadNamingIt(string checking, string field)
    {
        var dir = Directory.CreateTempSubdirectory("prompts-").FullName;
        try
        {
            foreach (var f in new[] { "s.txt", "c.txt", "r.txt" }) File.WriteAllText(Path.Combine(dir, f), "{question}");
            File.WriteAllText(Path.Combine(dir, "prompt-set.json"),
                $$"""{"solve":"s.txt","critique":"c.txt","revise":"r.txt","verdict_correct":"ok","verdict_wrong":"bad","checking":{{checking}}}""");

            var ex = Assert.Throws<InvalidDataException>(() => PromptSet.Load(dir));

            Assert.Contains($"{field} ", ex.Message);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void ConfirmationJoinedWithPlus_CombinesTheFlags()
    {
        var dir = Directory.CreateTempSubdirectory("prompts-").FullName;
        try
        {
            foreach (var f in new[] { "s.txt", "c.txt", "r.txt" }) File.WriteAllText(Path.Combine(dir, f), "{question}");
            File.WriteAllText(Path.Combine(dir, "prompt-set.json"),
                """{"solve":"s.txt","critique":"c.txt","revise":"r.txt","verdict_correct":"ok","verdict_wrong":"bad","max_new_tokens":64,"checking":{"refinement":{"confirmation":"critique+improves"}}}""");

            var set = PromptSet.Load(dir);

            Assert.Equal(RevisionConfirmation.Critique | RevisionConfirmation.Improves, set.Checking.Refinement.Confirmation);
            Assert.Equal(64, set.MaxNewTokens);
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>A revision source a test package registers: revisions continue the current solution unchanged.</summary>
    private sealed class KeepSolution : IRevisionSource
    {
        public (string Prompt, string Kept) Draft(PromptSet prompts, string question, string solution, VerificationCheck critique) => (prompts.Solve(question), solution);
    }
}
