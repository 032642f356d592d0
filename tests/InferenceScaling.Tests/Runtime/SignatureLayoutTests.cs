using InferenceScaling.Runtime;
using InferenceScaling.Sampling;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using static InferenceScaling.Tests.Runtime.DecodeAssertions;

namespace InferenceScaling.Tests.Runtime;

/// <summary>
/// GPT-2-style combined <c>past_%d</c> caches, a <c>num_logits_to_keep</c> input and bfloat16 KV/logits: each loads
/// with the right signature and decodes torch's greedy tokens, mixed-length batches stay exact, and prefill returns
/// one position's logits where the graph allows it.
/// </summary>
public sealed class SignatureLayoutTests(SignatureModelsFixture fixture) : IClassFixture<SignatureModelsFixture>
{
    public static TheoryData<string> Signatures => new(SignatureModelsFixture.Names);

    [Fact]
    public void Signature_ReadsCombinedCachesFromGenaiConfigNames()
    {
        var sig = fixture.Models["gpt2-past"].Signature;
        Assert.True(sig.CombinedKeyValue);
        Assert.Equal(2, sig.PlanesPerInput);
        Assert.Equal(["past_0", "past_1"], sig.PastInputs);
        Assert.Equal(["present_0", "present_1"], sig.PresentOutputs);
        Assert.Equal((2, 1, 8), (sig.Layers, sig.KeyValueHeads, sig.HeadSize));
        Assert.Equal(64, sig.ContextLength); // genai_config.json's context_length: the folder has no config.json
    }

    [Fact]
    public void Signature_FindsTheLogitsToKeepInput_AndBfloat16Types()
    {
        Assert.Equal("num_logits_to_keep", fixture.Models["logits-keep"].Signature.LogitsToKeep);
        Assert.Null(fixture.Models["gpt2-past"].Signature.LogitsToKeep);
        var bf16 = fixture.Models["bf16"].Signature;
        Assert.Equal(TensorElementType.BFloat16, bf16.CacheElementType);
        Assert.Equal(TensorElementType.BFloat16, bf16.LogitsElementType);
        Assert.Equal(2, bf16.CacheElementSize);
        Assert.Contains("BFloat16 cache", fixture.Models["bf16"].LayoutDescription);
    }

    [Theory]
    [InlineData("gpt2-past")]
    [InlineData("logits-keep")]
    public Task Greedy_ReproducesTorchTokens(string name) =>
        AssertGreedyReproducesTorchAsync(fixture.Models[name], fixture.Cases, fixture.MaxNewTokens);

    /// <remarks>
    /// bfloat16 keeps 8 bits of mantissa: torch's float32 greedy and the graph's (cache and logits rounded each step)
    /// part on 2 of the 5 reference prompts (at tokens 13 and 11), so the reference here is the graph's own greedy,
    /// computed in torch with the same rounding (<c>reference_bf16.json</c>), and must be reproduced exactly.
    /// </remarks>
    [Fact]
    public async Task Bfloat16Greedy_ReproducesTorchsGreedyWithTheSameRounding()
    {
        var (cases, maxNew) = ReferenceModelsFixture.ReadReference(Path.Combine(RepoPaths.Signature("bf16"), "reference_bf16.json"), promptIds: false);
        await AssertGreedyReproducesTorchAsync(fixture.Models["bf16"], cases, maxNew);
        Assert.Equal(2, cases.Where((c, i) => !fixture.Cases[i].GreedyIds.SequenceEqual(c.GreedyIds)).Count());
    }

    [Theory]
    [MemberData(nameof(Signatures))]
    public void Prefill_LastLogitsMatchTorch_WithinTheElementTypesRounding(string name)
    {
        var model = fixture.Models[name];
        AssertPrefillMatchesTorch(model, fixture.Cases, model.Signature.LogitsElementType == TensorElementType.Float ? 1e-3f : 0.25f);
    }

    [Fact]
    public void Prefill_WithNumLogitsToKeep_ReturnsOnePositionsLogits_OtherwiseEveryPositionOfAChunk()
    {
        var prompt = fixture.Cases[0].PromptIds;
        Assert.True(prompt.Length > 4);
        using var ro = new RunOptions();
        var vocab = fixture.Models["logits-keep"].Signature.VocabularySize;

        using var keep = new DecodeBatch(fixture.Models["logits-keep"], 1, 32);
        var kept = keep.Prefill(prompt, 512, ro);
        Assert.Equal(vocab * sizeof(float), keep.PrefillLogitsBytes);

        using var all = new DecodeBatch(fixture.Models["gpt2-past"], 1, 32);
        var full = all.Prefill(prompt, 512, ro);
        Assert.Equal(prompt.Length * vocab * sizeof(float), all.PrefillLogitsBytes);
        // Chunking bounds a graph without the input: 3-token chunks hold 3 positions at most.
        all.Prefill(prompt, 3, ro);
        Assert.Equal(3 * vocab * sizeof(float), all.PrefillLogitsBytes);

        AssertClose(full.LastLogits, kept.LastLogits, 1e-4f);
    }

    [Theory]
    [MemberData(nameof(Signatures))]
    public void CachedDecode_GivesTheSameLogitsAsRecomputingTheWholeSequence(string name)
    {
        var model = fixture.Models[name];
        AssertCachedDecodeEqualsRecompute(model, fixture.Cases[0].PromptIds, 20, model.Signature.CacheElementType == TensorElementType.Float ? 1e-4f : 0.25f);
    }

    [Theory]
    [MemberData(nameof(Signatures))]
    public void MixedLengthBatch_GivesEachRowTheSameTokensAsDecodingItAlone(string name) =>
        // Combined caches move their value planes as rows join and as padding changes; the shortest row leaves.
        AssertMixedLengthBatchEqualsAlone(fixture.Models[name], [.. fixture.Cases.Select(c => c.PromptIds)], 10, leaveAtStep: 4, longestLeaves: false);

    [Theory]
    [MemberData(nameof(Signatures))]
    public async Task ContinuationScores_AgreeWithTheFloat32CombinedGraph(string name)
    {
        Continuation[] items = [new("Q: Tom has 12 apples.", " He buys 7 more."), new("The answer is", " 57"), new("Q", " 40-15=25.")];
        var reference = await new OnnxContinuationScorer(fixture.Models["gpt2-past"]).ScoreAsync(items);
        var scores = await new OnnxContinuationScorer(fixture.Models[name]).ScoreAsync(items);
        for (var i = 0; i < items.Length; i++) Assert.Equal(reference[i].LogProb, scores[i].LogProb, name == "bf16" ? 0 : 3);
    }
}
