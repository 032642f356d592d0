using InferenceScaling.Runtime;
using InferenceScaling.Sampling;

namespace InferenceScaling.Tests.Runtime;

public sealed class ModelDefaultsTests
{
    [Fact]
    public void MaxTokensFor_IsTheFoldersCap_CutToWhatTheContextLeaves()
    {
        var d = new ModelDefaults { MaxNewTokens = 96, ContextLength = 256 };
        Assert.Equal(96, d.MaxTokensFor(100));
        Assert.Equal(56, d.MaxTokensFor(200));
        Assert.Equal(1, d.MaxTokensFor(300));
    }

    [Fact]
    public void MaxTokensFor_WithoutAFolderCap_IsAllTheContextLeaves()
    {
        var d = new ModelDefaults { ContextLength = 4096 };
        Assert.Equal(3996, d.MaxTokensFor(100));
        Assert.Equal(4096, d.MaxTokensFor(0));
    }

    [Fact]
    public void ApplyTo_OverridesOnlyWhatTheFolderGives_AndKeepsTheRestOfTheBaseline()
    {
        var d = new ModelDefaults { TopP = 0.9f, ContextLength = 64 };
        var baseline = new SamplingOptions { Temperature = 0.3f, TopK = 7, Seed = 11, StopStrings = ["\n\n"] };
        var s = d.ApplyTo(baseline, promptTokens: 14);
        Assert.Equal(0.3f, s.Temperature);
        Assert.Equal(0.9f, s.TopP);
        Assert.Equal(7, s.TopK);
        Assert.Equal(11UL, s.Seed);
        Assert.Equal(["\n\n"], s.StopStrings);
        Assert.Equal(50, s.MaxTokens);
    }

    [Fact]
    public void LoadedFolder_ReadsGenerationConfig()
    {
        using var model = DecoderModel.Load(RepoPaths.TinyModel, new DecoderModelOptions { IntraOpThreads = 1 });
        Assert.Equal(0.8f, model.Defaults.Temperature);
        Assert.Equal(model.Signature.ContextLength, model.Defaults.ContextLength);
        Assert.Equal(96, model.Defaults.MaxNewTokens);
        Assert.Equal(0, model.Defaults.TopK);
        var s = model.DefaultSampling(promptTokens: 5);
        Assert.Equal((0.8f, 1f, 0, 91), (s.Temperature, s.TopP, s.TopK, s.MaxTokens)); // context 96 leaves 91; the folder caps at 96
    }
}
