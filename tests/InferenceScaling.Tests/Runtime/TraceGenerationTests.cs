using InferenceScaling.Runtime;
using InferenceScaling.Sampling;

namespace InferenceScaling.Tests.Runtime;

public sealed class TraceGenerationTests(TinyModelFixture fixture) : IClassFixture<TinyModelFixture>
{
    private OnnxTraceGenerator Generator => new(fixture.Model);

    private static TraceRequest Request(int count, ulong seed = 7, int first = 0, int maxTokens = 16) => new()
    {
        Prompt = "Q: Tom has 12 apples.",
        Count = count,
        FirstIndex = first,
        Sampling = new SamplingOptions { Temperature = 1.0f, Seed = seed, MaxTokens = maxTokens },
    };

    [Fact]
    public async Task SeededSampling_IsReproducible()
    {
        var a = await Generator.GenerateAllAsync(Request(6));
        var b = await Generator.GenerateAllAsync(Request(6));
        Assert.Equal(a.Select(t => t.TokenIds), b.Select(t => t.TokenIds));
        Assert.True(a.Select(t => string.Join(",", t.TokenIds)).Distinct().Count() > 1, "samples at T=1 should differ across rows");
    }

    [Fact]
    public async Task SeededSampling_DoesNotDependOnBatchComposition()
    {
        var all = await Generator.GenerateAllAsync(Request(6));
        var alone = await Generator.GenerateAllAsync(Request(1, first: 3));
        var pair = await Generator.GenerateAllAsync(Request(2, first: 4));
        Assert.Equal(3, alone[0].Index);
        Assert.Equal(all[3].TokenIds, alone[0].TokenIds);
        Assert.Equal(all[4].TokenIds, pair[0].TokenIds);
        Assert.Equal(all[5].TokenIds, pair[1].TokenIds);
    }

    [Fact]
    public async Task DifferentSeeds_GiveDifferentTraces()
    {
        var a = await Generator.GenerateAllAsync(Request(4, seed: 1));
        var b = await Generator.GenerateAllAsync(Request(4, seed: 2));
        Assert.NotEqual(a.Select(t => string.Join(",", t.TokenIds)), b.Select(t => string.Join(",", t.TokenIds)));
    }

    [Fact]
    public async Task Trace_RecordsTokensLogProbsAndCounts()
    {
        var traces = await Generator.GenerateAllAsync(Request(3, maxTokens: 10) with { Sampling = new SamplingOptions { Temperature = 0.7f, MaxTokens = 10, TopLogProbs = 3 } });
        foreach (var t in traces)
        {
            Assert.Equal(t.TokenIds.Count, t.TokenLogProbs.Count);
            Assert.Equal(t.TokenIds.Count, t.TokenConfidences.Count);
            Assert.All(t.TokenLogProbs, lp => Assert.True(lp <= 0));
            Assert.All(t.TokenConfidences, c => Assert.True(c >= 0));
            Assert.Equal(fixture.Model.Tokenizer.Decode(t.TokenIds), t.Text);
            Assert.Equal(fixture.Model.Tokenizer.Encode("Q: Tom has 12 apples.").Length, t.PromptTokens);
            Assert.NotNull(t.TopLogProbs);
            // The chosen token's log-prob never exceeds the best one at that step.
            for (var i = 0; i < t.TokenIds.Count; i++) Assert.True(t.TokenLogProbs[i] <= t.TopLogProbs![i][0].LogProb + 1e-6f);
            if (t.FinishReason == FinishReason.Length) Assert.Equal(10, t.GeneratedTokens);
        }
    }

    [Fact]
    public async Task MaxTokens_EndsTheTraceWithLength()
    {
        var traces = await Generator.GenerateAllAsync(new TraceRequest
        {
            Prompt = "Q",
            Sampling = new SamplingOptions { Temperature = 0, MaxTokens = 5 },
        });
        Assert.Equal(FinishReason.Length, traces[0].FinishReason);
        Assert.Equal(5, traces[0].GeneratedTokens);
        Assert.Equal(5, traces[0].DecodeSteps);
    }

    [Fact]
    public async Task StopString_CutsTheTextBeforeIt()
    {
        var greedy = (await Generator.GenerateAllAsync(new TraceRequest { Prompt = "Q", Sampling = new SamplingOptions { Temperature = 0, MaxTokens = 24 } }))[0];
        Assert.True(greedy.Text.Length > 6);
        var stop = greedy.Text.Substring(4, 2);
        var cut = (await Generator.GenerateAllAsync(new TraceRequest { Prompt = "Q", Sampling = new SamplingOptions { Temperature = 0, MaxTokens = 24, StopStrings = [stop] } }))[0];
        Assert.Equal(FinishReason.StopString, cut.FinishReason);
        Assert.Equal(greedy.Text[..greedy.Text.IndexOf(stop, StringComparison.Ordinal)], cut.Text);
        Assert.True(cut.GeneratedTokens < greedy.GeneratedTokens);
    }

    [Fact]
    public async Task CancellingOneTrace_LetsTheOthersFinish()
    {
        var control = new TraceControl();
        control.Cancel(2);
        var traces = await Generator.GenerateAllAsync(Request(4, maxTokens: 12) with { Control = control });
        Assert.Equal(FinishReason.Cancelled, traces[2].FinishReason);
        Assert.Equal(0, traces[2].GeneratedTokens);
        var reference = await Generator.GenerateAllAsync(Request(4, maxTokens: 12));
        foreach (var i in new[] { 0, 1, 3 })
        {
            Assert.NotEqual(FinishReason.Cancelled, traces[i].FinishReason);
            Assert.Equal(reference[i].TokenIds, traces[i].TokenIds);
        }
    }

    [Fact]
    public async Task CancelledToken_ThrowsFromTheEnumeration()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        var yielded = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in Generator.GenerateAsync(Request(4, maxTokens: 60), cts.Token)) yielded++;
        });
        Assert.Equal(0, yielded);
    }

    [Fact]
    public async Task OverlongPrompt_IsRejectedWithTheContextLength()
    {
        var prompt = string.Concat(Enumerable.Repeat("Tom has 12 apples. ", 40));
        var ex = await Assert.ThrowsAsync<ArgumentException>(async () => await Generator.GenerateAllAsync(new TraceRequest { Prompt = prompt }));
        Assert.Contains("context is 96", ex.Message);
    }

    [Theory]
    [InlineData(-1f, 1f, 0, "Temperature")]
    [InlineData(1f, 0f, 0, "TopP")]
    [InlineData(1f, 1f, -3, "TopK")]
    public async Task BadSamplingOptions_AreRejectedByName(float temperature, float topP, int topK, string name)
    {
        var ex = await Assert.ThrowsAnyAsync<ArgumentException>(async () => await Generator.GenerateAllAsync(new TraceRequest
        {
            Prompt = "Q",
            Sampling = new SamplingOptions { Temperature = temperature, TopP = topP, TopK = topK },
        }));
        Assert.Contains(name, ex.Message);
    }

    [Fact]
    public async Task TopKOne_IsGreedy()
    {
        var greedy = await Generator.GenerateAllAsync(new TraceRequest { Prompt = "Q", Sampling = new SamplingOptions { Temperature = 0, MaxTokens = 12 } });
        var topK = await Generator.GenerateAllAsync(new TraceRequest { Prompt = "Q", Count = 3, Sampling = new SamplingOptions { Temperature = 1.5f, TopK = 1, MaxTokens = 12 } });
        Assert.All(topK, t => Assert.Equal(greedy[0].TokenIds, t.TokenIds));
    }
}
