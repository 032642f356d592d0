using InferenceScaling.Runtime;
using InferenceScaling.Sampling;
using Microsoft.ML.OnnxRuntime.Tensors;
using static InferenceScaling.Tests.Runtime.DecodeAssertions;

namespace InferenceScaling.Tests.Runtime;

/// <summary>The same weights in every exporter layout decode the same tokens, and mixed-length batches stay exact on both attention kinds.</summary>
public sealed class ModelLayoutTests(LayoutModelsFixture fixture) : IClassFixture<LayoutModelsFixture>
{
    public static TheoryData<string> Layouts => new(LayoutModelsFixture.Names);

    [Fact]
    public void Signature_ReadsTheAttentionKindElementTypesAndInputsOfEachLayout()
    {
        var optimum = fixture.Models["optimum"].Signature;
        Assert.Equal(AttentionKind.Standard, optimum.Attention);
        Assert.Equal("position_ids", optimum.PositionIds);
        Assert.Equal(TensorElementType.Float, optimum.CacheElementType);

        var gqa = fixture.Models["genai-gqa"];
        Assert.Equal(AttentionKind.RightAligned, gqa.Signature.Attention);
        Assert.Null(gqa.Signature.PositionIds);
        Assert.Equal(2, gqa.Signature.Layers);
        Assert.Equal(1, gqa.Signature.KeyValueHeads);
        Assert.Equal(16, gqa.Signature.HeadSize);
        Assert.Equal(96, gqa.Signature.ContextLength); // genai_config.json only: no config.json in a builder folder

        var half = fixture.Models["fp16"];
        Assert.Equal(TensorElementType.Float16, half.Signature.CacheElementType);
        Assert.Equal(TensorElementType.Float16, half.Signature.LogitsElementType);
        Assert.Equal("model_fp16.onnx", half.GraphFile);
        Assert.Equal("genai_config.json decoder.filename", half.GraphChoice);
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public Task Greedy_ReproducesTorchTokens_OnEveryLayout(string layout) =>
        AssertGreedyReproducesTorchAsync(fixture.Models[layout], fixture.Cases, fixture.MaxNewTokens);

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Prefill_LastLogitsMatchTorch_WithinTheLayoutsRounding(string layout)
    {
        var model = fixture.Models[layout];
        AssertPrefillMatchesTorch(model, fixture.Cases, model.Signature.LogitsElementType == TensorElementType.Float ? 1e-3f : 0.05f);
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void CachedDecode_GivesTheSameLogitsAsRecomputingTheWholeSequence(string layout)
    {
        var model = fixture.Models[layout];
        // 30 steps from a 16-token capacity: right-aligned buffers grow on the way.
        AssertCachedDecodeEqualsRecompute(model, fixture.Cases[0].PromptIds, 30, model.Signature.CacheElementType == TensorElementType.Float ? 1e-4f : 0.05f);
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void MixedLengthBatch_GivesEachRowTheSameTokensAsDecodingItAlone(string layout) =>
        // The longest row leaves mid-way: the others must not notice.
        AssertMixedLengthBatchEqualsAlone(fixture.Models[layout], [.. fixture.Cases.Select(c => c.PromptIds)], 12, leaveAtStep: 5, longestLeaves: true);

    [Theory]
    [MemberData(nameof(Layouts))]
    public async Task ContinuationScores_InAMixedLengthBatch_EqualEachScoredAlone(string layout)
    {
        var scorer = new OnnxContinuationScorer(fixture.Models[layout]);
        Continuation[] items = [new("Q: Tom has 12 apples.", " He buys 7 more."), new("Q", " 40-15=25."), new("The answer is", " 57"), new("Mia starts with 40 coins", ". Answer: 25")];
        var together = await scorer.ScoreAsync(items);
        for (var i = 0; i < items.Length; i++)
        {
            var alone = (await scorer.ScoreAsync([items[i]]))[0];
            Assert.Equal(alone.IsGreedy, together[i].IsGreedy);
            Assert.Equal(alone.LogProb, together[i].LogProb, 3);
        }
    }

    [Fact]
    public async Task ContinuationScores_AgreeAcrossLayouts()
    {
        Continuation[] items = [new("Q: Tom has 12 apples.", " He buys 7 more."), new("The answer is", " 57")];
        var reference = await new OnnxContinuationScorer(fixture.Models["optimum"]).ScoreAsync(items);
        foreach (var layout in new[] { "genai-gqa", "fp16" })
        {
            var scores = await new OnnxContinuationScorer(fixture.Models[layout]).ScoreAsync(items);
            for (var i = 0; i < items.Length; i++) Assert.Equal(reference[i].LogProb, scores[i].LogProb, layout == "fp16" ? 1 : 3);
        }
    }

    [Fact]
    public async Task SampledTraces_AreTheSameOnTheOptimumAndGroupQueryLayouts()
    {
        var request = new TraceRequest { Prompt = "Q: Tom has 12 apples.", Count = 6, Sampling = new SamplingOptions { Temperature = 0.9f, Seed = 5, MaxTokens = 20 } };
        var a = await new OnnxTraceGenerator(fixture.Models["optimum"]).GenerateAllAsync(request);
        var b = await new OnnxTraceGenerator(fixture.Models["genai-gqa"]).GenerateAllAsync(request);
        Assert.Equal(a.OrderBy(t => t.Index).Select(t => t.Text), b.OrderBy(t => t.Index).Select(t => t.Text));
    }

    [Fact]
    public void Defaults_ComeFromGenerationConfig_ElseFromGenaiSearch()
    {
        foreach (var layout in new[] { "optimum", "genai-gqa" })
        {
            var m = fixture.Models[layout];
            Assert.Equal(0.6f, m.Defaults.Temperature);
            Assert.Equal(0.95f, m.Defaults.TopP);
            Assert.Equal(40, m.Defaults.TopK);
            Assert.Null(m.Defaults.MaxNewTokens);
            Assert.Equal(96, m.Defaults.ContextLength);
            var s = m.DefaultSampling(promptTokens: 10);
            Assert.Equal(0.6f, s.Temperature);
            Assert.Equal(86, s.MaxTokens); // no max_new_tokens: what the 96-token context leaves
        }

        // fp16's genai_config.json searches greedily (do_sample false): that is no sampling default.
        Assert.Null(fixture.Models["fp16"].Defaults.Temperature);
    }
}
