using InferenceScaling.Runtime;
using InferenceScaling.Sampling;
using InferenceScaling.Scheduling;
using InferenceScaling.Tests.Runtime;

namespace InferenceScaling.Tests.Scheduling;

/// <summary>Requests of different prompt lengths sharing the scheduler's batch get the tokens they get alone, on both attention kinds.</summary>
public sealed class SchedulerLayoutTests(LayoutModelsFixture fixture) : IClassFixture<LayoutModelsFixture>
{
    [Theory]
    [InlineData("optimum")]
    [InlineData("genai-gqa")]
    [InlineData("fp16")]
    public async Task ConcurrentRequestsOfDifferentLengths_GetTheSameTracesAsAlone(string layout)
    {
        var model = fixture.Models[layout];
        TraceRequest[] requests =
        [
            new() { Prompt = "Q: Tom has 12 apples. How many apples does he have?", Count = 2, Sampling = new SamplingOptions { Temperature = 0, MaxTokens = 16 } },
            new() { Prompt = "Q", Count = 3, Sampling = new SamplingOptions { Temperature = 0.9f, Seed = 3, MaxTokens = 20 } },
            new() { Prompt = "Mia starts with 40 coins", Count = 2, Sampling = new SamplingOptions { Temperature = 0, MaxTokens = 12 } },
        ];
        var alone = new List<IReadOnlyList<Trace>>();
        foreach (var r in requests) alone.Add(await new OnnxTraceGenerator(model).GenerateAllAsync(r));

        await using var scheduler = new ContinuousBatchScheduler(model, null, startPaused: true);
        var running = requests.Select(r => scheduler.GenerateAllAsync(r)).ToArray();
        await scheduler.WaitForQueueLengthAsync(requests.Length);
        scheduler.Start();
        var together = await Task.WhenAll(running);

        Assert.Equal(requests.Length, scheduler.Statistics.MaxRequestsInOneStep);
        for (var i = 0; i < requests.Length; i++)
            Assert.Equal(alone[i].OrderBy(t => t.Index).Select(t => t.TokenIds), together[i].OrderBy(t => t.Index).Select(t => t.TokenIds));
    }
}
