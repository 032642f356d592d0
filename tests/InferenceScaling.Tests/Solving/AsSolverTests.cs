using InferenceScaling.Prompts;
using InferenceScaling.Refinement;
using InferenceScaling.Runtime;
using InferenceScaling.Solving;
using InferenceScaling.Verification;

namespace InferenceScaling.Tests.Solving;

/// <summary>The entry point from a loaded model: its sampling defaults and a new-token cap from the prompt set and the context.</summary>
public sealed class AsSolverTests
{
    [Fact]
    public void AsSolver_SamplesWithTheFoldersDefaults_AndTheContextAsTheCap()
    {
        // The Optimum layout fixture: temperature 0.6, top_p 0.95, top_k 40, no max_new_tokens, a 96-token context.
        using var model = DecoderModel.Load(RepoPaths.Layout("optimum"), new DecoderModelOptions { IntraOpThreads = 1 });

        var solver = Assert.IsType<SelfConsistencySolver>(model.AsSolver());

        var sampling = solver.Options.Sampling;
        Assert.Equal((0.6f, 0.95f, 40), (sampling.Temperature, sampling.TopP, sampling.TopK));
        Assert.Equal(96, sampling.MaxTokens);
        Assert.Equal(PromptSet.ForModel(model).StopStrings, sampling.StopStrings);
    }

    [Fact]
    public void DefaultCap_IsThePromptSetsMaxNewTokens_ElseTheFolders()
    {
        using var model = DecoderModel.Load(RepoPaths.ShippedModel, new DecoderModelOptions { IntraOpThreads = 1 });

        // arith's prompt-set.json: max_new_tokens 128 (its context is 320); chat names none, so the folder's 96 applies.
        var arith = SolverServices.For(model).DefaultSampling();
        var chat = SolverServices.For(model, promptSet: "chat").DefaultSampling();

        Assert.Equal((128, 0.8f), (arith.MaxTokens, arith.Temperature));
        Assert.Equal(96, chat.MaxTokens);
    }

    [Fact]
    public async Task ReadmeExample_VerifiesByStepScoresAndRefinesOnTheShippedModel()
    {
        using var model = DecoderModel.Load(RepoPaths.ShippedModel, new DecoderModelOptions { IntraOpThreads = 1 });
        var solver = model.AsSolver(b => b.UseVerification().UseRefinement());

        Solution s = await solver.SolveAsync("Tom has 12 apples. He buys 7 more. Then he triples them. How many apples does he have now?", Budget.Thorough);

        Assert.Equal("57", s.Answer);
        // arith's profile: the step-score checker (per-step scores on every check), and refinement after it.
        Assert.All(s.Verification!.Checks, c => Assert.NotNull(c.Steps));
        Assert.NotNull(s.Refinement);
    }

    [Fact]
    public void DefaultCap_FromThePromptSet_IsCutToTheContext()
    {
        using var model = DecoderModel.Load(RepoPaths.Layout("optimum"), new DecoderModelOptions { IntraOpThreads = 1 });

        // arith asks for 128 new tokens; the fixture's context is 96.
        var sampling = SolverServices.For(model, promptSet: "arith").DefaultSampling();

        Assert.Equal(96, sampling.MaxTokens);
    }
}
