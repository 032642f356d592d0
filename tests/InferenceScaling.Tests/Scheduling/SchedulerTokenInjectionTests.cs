using InferenceScaling.Runtime;
using InferenceScaling.Sampling;
using InferenceScaling.Scheduling;
using InferenceScaling.Tests.Fakes;
using InferenceScaling.Tests.Runtime;

namespace InferenceScaling.Tests.Scheduling;

/// <summary>The decoder side of <see cref="ITokenInjector"/> in the continuous-batching scheduler.</summary>
public sealed class SchedulerTokenInjectionTests(TinyModelFixture fixture) : IClassFixture<TinyModelFixture>
{
    private static TraceRequest Request(string prompt, int count, ulong seed) => new()
    {
        Prompt = prompt,
        Count = count,
        Sampling = new SamplingOptions { Temperature = 1.0f, Seed = seed, MaxTokens = 14, IgnoreEndOfSequence = true },
    };

    [Fact]
    public async Task AnInjectionInOneRow_OfASharedBatch_LeavesEveryOtherRowAndRequestUnchanged()
    {
        var plain = Request("Q: Tom has 12 apples.", 3, seed: 5);
        var tooled = plain with { Injector = i => i == 1 ? new ScriptedInjector(4, 11, 12, 13, 14, 15) : null };
        var other = Request("Q: 7 + 5 =", 2, seed: 9);
        await using var scheduler = new ContinuousBatchScheduler(fixture.Model, null, startPaused: true);
        var running = new[] { scheduler.GenerateAllAsync(tooled), scheduler.GenerateAllAsync(other) };
        scheduler.Start();
        var results = await Task.WhenAll(running);

        var single = new OnnxTraceGenerator(fixture.Model);
        var referencePlain = await single.GenerateAllAsync(plain);
        var referenceOther = await single.GenerateAllAsync(other);
        var referenceTooled = await single.GenerateAllAsync(plain with { Injector = i => i == 1 ? new ScriptedInjector(4, 11, 12, 13, 14, 15) : null });

        Assert.True(scheduler.Statistics.SharedSteps > 0);
        for (var i = 0; i < 2; i++) Assert.Equal(referenceOther[i].TokenIds, results[1][i].TokenIds);
        Assert.Equal(referencePlain[0].TokenIds, results[0][0].TokenIds);
        Assert.Equal(referencePlain[2].TokenIds, results[0][2].TokenIds);
        var row = results[0][1];
        Assert.Equal([11, 12, 13, 14, 15], row.TokenIds.Skip(4).Take(5));
        Assert.Equal(5, row.InjectedTokens);
        Assert.Equal(14, row.GeneratedTokens);
        // The scheduler's row is the single-request generator's row, token for token and flag for flag.
        Assert.Equal(referenceTooled[1].TokenIds, row.TokenIds);
        Assert.Equal(referenceTooled[1].Injected, row.Injected);
        Assert.Equal(referenceTooled[1].DecodeSteps, row.DecodeSteps);
    }
}
