using InferenceScaling.Runtime;
using InferenceScaling.Sampling;
using InferenceScaling.Tests.Fakes;
using InferenceScaling.Voting;

namespace InferenceScaling.Tests.Runtime;

/// <summary>The decoder side of <see cref="ITokenInjector"/> in <see cref="OnnxTraceGenerator"/>, on the tiny fixture model.</summary>
public sealed class TokenInjectionTests(TinyModelFixture fixture) : IClassFixture<TinyModelFixture>
{
    private OnnxTraceGenerator Generator => new(fixture.Model);

    private static TraceRequest Request(int count, float temperature = 1.0f, int maxTokens = 16) => new()
    {
        Prompt = "Q: Tom has 12 apples.",
        Count = count,
        Sampling = new SamplingOptions { Temperature = temperature, Seed = 7, MaxTokens = maxTokens, IgnoreEndOfSequence = true, TopLogProbs = 2 },
    };

    [Fact]
    public async Task AnInjectionMidBatch_GoesIntoThatRowOnly_AndTheOtherRowsAreUnchanged()
    {
        var reference = await Generator.GenerateAllAsync(Request(4));
        int[] injected = [5, 6, 7];
        var injector = new ScriptedInjector(3, injected);
        var traces = await Generator.GenerateAllAsync(Request(4) with { Injector = i => i == 2 ? injector : null });

        foreach (var i in new[] { 0, 1, 3 })
        {
            Assert.Equal(reference[i].TokenIds, traces[i].TokenIds);
            Assert.Equal(reference[i].TokenLogProbs, traces[i].TokenLogProbs);
            Assert.Null(traces[i].Injected);
            Assert.Equal(0, traces[i].InjectedTokens);
        }

        var row = traces[2];
        Assert.Equal(reference[2].TokenIds.Take(3), row.TokenIds.Take(3));
        Assert.Equal(injected, row.TokenIds.Skip(3).Take(3));
        Assert.Equal([false, false, false, true, true, true], row.Injected!.Take(6));
        Assert.All(row.Injected!.Skip(6), Assert.False);
        Assert.Equal(3, row.InjectedTokens);
        // The new-token cap counts generated tokens only; each injected token still cost a decode step.
        Assert.Equal(16, row.GeneratedTokens);
        Assert.Equal(19, row.TokenIds.Count);
        Assert.Equal(19, row.DecodeSteps);
        Assert.Equal(fixture.Model.Tokenizer.Decode(row.TokenIds), row.Text);
        Assert.Single(row.ToolCalls);
        // The injector saw every appended token but the one the trace ended on, the injected ones flagged.
        Assert.Equal(row.TokenIds.SkipLast(1), injector.Seen.Select(s => s.Token));
        Assert.Equal(row.Injected!.SkipLast(1), injector.Seen.Select(s => s.Injected));
    }

    [Fact]
    public async Task InjectingTheTokensTheModelWouldWrite_LeavesTheContinuationUnchanged()
    {
        // Greedy: if the row's cache holds the injected tokens exactly as if sampled, everything after them is the same.
        var reference = (await Generator.GenerateAllAsync(Request(1, temperature: 0)))[0];
        var same = reference.TokenIds.Skip(4).Take(3).ToArray();
        var traces = await Generator.GenerateAllAsync(Request(3, temperature: 0) with { Injector = i => i == 1 ? new ScriptedInjector(4, same) : null });

        var row = traces[1];
        Assert.Equal(reference.TokenIds, row.TokenIds.Take(reference.TokenIds.Count));
        Assert.Equal(3, row.InjectedTokens);
        Assert.Equal(reference.TokenIds.Count + 3, row.TokenIds.Count);
        for (var k = 0; k < reference.TokenIds.Count; k++)
        {
            if (row.IsInjected(k)) Assert.Equal(0f, row.TokenLogProbs[k]);
            else Assert.Equal(reference.TokenLogProbs[k], row.TokenLogProbs[k], 1e-4f);
        }
    }

    [Fact]
    public async Task InjectedTokens_AreExcludedFromLogProbsAndConfidence()
    {
        var traces = await Generator.GenerateAllAsync(Request(2) with { Injector = i => i == 0 ? new ScriptedInjector(5, 9, 9, 9, 9) : null });
        var row = traces[0];
        Assert.Equal(4, row.InjectedTokens);
        var generated = Enumerable.Range(0, row.TokenIds.Count).Where(k => !row.IsInjected(k)).ToArray();
        Assert.Equal(row.GeneratedTokens, generated.Length);
        Assert.Equal(generated.Sum(k => (double)row.TokenLogProbs[k]), row.TotalLogProb, 6);
        Assert.Equal(row.TotalLogProb / generated.Length, row.MeanLogProb, 9);
        Assert.All(Enumerable.Range(5, 4), k => Assert.Equal(0f, row.TokenConfidences[k]));

        // DeepConf's window runs over the generated tokens only: the same as a trace without the injected ones.
        var withoutInjected = row with
        {
            TokenIds = generated.Select(k => row.TokenIds[k]).ToArray(),
            TokenLogProbs = generated.Select(k => row.TokenLogProbs[k]).ToArray(),
            TokenConfidences = generated.Select(k => row.TokenConfidences[k]).ToArray(),
            Injected = null,
        };
        Assert.Equal(TraceConfidence.LowestWindowMean(withoutInjected, 4), TraceConfidence.LowestWindowMean(row, 4), 9);
        Assert.NotEqual(TraceConfidence.LowestWindowMean(row with { Injected = null }, 4), TraceConfidence.LowestWindowMean(row, 4));
    }

    [Fact]
    public async Task AnInjectorThatNeverFires_LeavesEveryTraceIdentical()
    {
        var request = Request(4) with { Sampling = Request(4).Sampling with { IgnoreEndOfSequence = false, StopStrings = ["e."] } };
        var off = await Generator.GenerateAllAsync(request);
        var on = await Generator.GenerateAllAsync(request with { Injector = _ => new ScriptedInjector(int.MaxValue) });
        for (var i = 0; i < off.Count; i++)
        {
            Assert.Equal(off[i].TokenIds, on[i].TokenIds);
            Assert.Equal(off[i].TokenLogProbs, on[i].TokenLogProbs);
            Assert.Equal(off[i].TokenConfidences, on[i].TokenConfidences);
            Assert.Equal(off[i].Text, on[i].Text);
            Assert.Equal(off[i].FinishReason, on[i].FinishReason);
            Assert.Equal(off[i].DecodeSteps, on[i].DecodeSteps);
            Assert.Null(on[i].Injected);
            Assert.Empty(on[i].ToolCalls);
        }
    }

    [Fact]
    public async Task AnEndOfSequenceOrStopStringInsideInjectedTokens_DoesNotEndTheTrace()
    {
        var eos = fixture.Model.Signature.EndOfSequenceIds.First();
        var greedy = (await Generator.GenerateAllAsync(Request(1, temperature: 0, maxTokens: 12)))[0];
        // A stop string that only the injected token writes.
        var stopId = Enumerable.Range(0, fixture.Model.Signature.VocabularySize)
            .First(id => !fixture.Model.Signature.EndOfSequenceIds.Contains(id) && fixture.Model.Tokenizer.Decode([id]) is { Length: >= 2 } p && !greedy.Text.Contains(p, StringComparison.Ordinal));
        var stop = fixture.Model.Tokenizer.Decode([stopId]);
        var request = Request(1, temperature: 0, maxTokens: 12) with
        {
            Sampling = Request(1).Sampling with { Temperature = 0, MaxTokens = 12, IgnoreEndOfSequence = false, StopStrings = [stop] },
            Injector = _ => new ScriptedInjector(2, eos, stopId),
        };
        var row = (await Generator.GenerateAllAsync(request))[0];
        Assert.Equal(2, row.InjectedTokens);
        Assert.Equal([eos, stopId], row.TokenIds.Skip(2).Take(2));
        Assert.True(row.GeneratedTokens > 2, "decoding went on after the injected end-of-sequence and stop string");
        Assert.Contains(stop, row.Text, StringComparison.Ordinal);
    }
}
