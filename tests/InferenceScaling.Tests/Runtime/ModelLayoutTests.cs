using InferenceScaling.Runtime;
using InferenceScaling.Sampling;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

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
    public async Task Greedy_ReproducesTorchTokens_OnEveryLayout(string layout)
    {
        var model = fixture.Models[layout];
        var generator = new OnnxTraceGenerator(model);
        foreach (var c in fixture.Cases)
        {
            var trace = (await generator.GenerateAllAsync(new TraceRequest
            {
                Prompt = c.Prompt,
                Sampling = new SamplingOptions { Temperature = 0, MaxTokens = fixture.MaxNewTokens },
            }))[0];
            var expected = c.GreedyIds.TakeWhile(id => !model.Signature.EndOfSequenceIds.Contains(id)).ToArray();
            Assert.Equal(expected, trace.TokenIds);
        }
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Prefill_LastLogitsMatchTorch_WithinTheLayoutsRounding(string layout)
    {
        var model = fixture.Models[layout];
        using var batch = new DecodeBatch(model, 1, 32);
        using var ro = new RunOptions();
        var tolerance = model.Signature.LogitsElementType == TensorElementType.Float ? 1e-3f : 0.05f;
        foreach (var c in fixture.Cases) AssertClose(c.LastLogits, batch.Prefill(c.PromptIds, 512, ro).LastLogits, tolerance);
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

    /// <summary>
    /// Greedy decoding from a 16-token capacity for <paramref name="steps"/> steps: after each, the cached logits equal a
    /// fresh prefill of the whole sequence within <paramref name="tolerance"/>.
    /// </summary>
    internal static void AssertCachedDecodeEqualsRecompute(DecoderModel model, int[] prompt, int steps, float tolerance)
    {
        using var ro = new RunOptions();
        using var batch = new DecodeBatch(model, 1, 16);
        batch.Admit(batch.Prefill(prompt, 512, ro), 1);
        var sequence = prompt.ToList();
        for (var i = 0; i < steps; i++)
        {
            var next = ArgMax(batch.LogitsOf(0));
            sequence.Add(next);
            batch.Step([next], ro);
            using var fresh = new DecodeBatch(model, 1, 64);
            AssertClose(fresh.Prefill(sequence.ToArray(), 512, ro).LastLogits, batch.LogitsOf(0).ToArray(), tolerance);
        }
    }

    /// <summary>
    /// Admits <paramref name="prompts"/> shorter first into one batch (so both the newcomer and the rows already there get
    /// re-laid), decodes greedily for <paramref name="steps"/> steps with the longest (or shortest) row leaving after
    /// step <paramref name="leaveAtStep"/>, and asserts every row wrote what it writes decoded alone.
    /// </summary>
    internal static void AssertMixedLengthBatchEqualsAlone(DecoderModel model, int[][] prompts, int steps, int leaveAtStep, bool longestLeaves)
    {
        using var ro = new RunOptions();
        var alone = prompts.Select(p => GreedyAlone(model, p, steps, ro)).ToArray();
        using var batch = new DecodeBatch(model, 1, 8);
        var order = Enumerable.Range(0, prompts.Length).OrderBy(i => prompts[i].Length).ToArray();
        foreach (var i in order) batch.Admit(batch.Prefill(prompts[i], 512, ro), 1);
        var produced = order.Select(_ => new List<int>()).ToArray();
        var live = order.ToList();
        var leaver = longestLeaves ? order[^1] : order[0];
        for (var step = 0; step < steps; step++)
        {
            var next = new int[live.Count];
            for (var r = 0; r < live.Count; r++) produced[Array.IndexOf(order, live[r])].Add(next[r] = ArgMax(batch.LogitsOf(r)));
            if (step == leaveAtStep)
            {
                var keep = live.Select(i => i != leaver).ToArray();
                batch.Remove(keep);
                next = next.Where((_, r) => keep[r]).ToArray();
                live.Remove(leaver);
            }

            batch.Step(next, ro);
        }

        for (var k = 0; k < order.Length; k++) Assert.Equal(alone[order[k]].Take(produced[k].Count), produced[k]);
    }

    internal static List<int> GreedyAlone(DecoderModel model, int[] prompt, int steps, RunOptions ro)
    {
        using var batch = new DecodeBatch(model, 1, 64);
        batch.Admit(batch.Prefill(prompt, 512, ro), 1);
        var tokens = new List<int>();
        for (var i = 0; i < steps; i++)
        {
            var t = ArgMax(batch.LogitsOf(0));
            tokens.Add(t);
            batch.Step([t], ro);
        }

        return tokens;
    }

    internal static int ArgMax(ReadOnlySpan<float> x)
    {
        var best = 0;
        for (var i = 1; i < x.Length; i++) if (x[i] > x[best]) best = i;
        return best;
    }

    internal static void AssertClose(float[] expected, float[] actual, float tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        var worst = 0f;
        for (var i = 0; i < expected.Length; i++) worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]));
        Assert.True(worst <= tolerance, $"max |difference| {worst} > {tolerance}");
    }
}
