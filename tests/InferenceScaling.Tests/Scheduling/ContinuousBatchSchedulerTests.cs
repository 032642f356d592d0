using InferenceScaling.Answers;
using InferenceScaling.Runtime;
using InferenceScaling.Sampling;
using InferenceScaling.Scheduling;
using InferenceScaling.Solving;
using InferenceScaling.Tests.Runtime;

namespace InferenceScaling.Tests.Scheduling;

public sealed class ContinuousBatchSchedulerTests(TinyModelFixture fixture) : IClassFixture<TinyModelFixture>
{
    private static TraceRequest Request(string prompt, int count, float temperature, ulong seed = 7, int first = 0, int maxTokens = 12) => new()
    {
        Prompt = prompt,
        Count = count,
        FirstIndex = first,
        Sampling = new SamplingOptions { Temperature = temperature, Seed = seed, MaxTokens = maxTokens, TopLogProbs = 2 },
    };

    private Task<IReadOnlyList<Trace>> Reference(TraceRequest request) => new OnnxTraceGenerator(fixture.Model).GenerateAllAsync(request);

    private static void AssertSameTraces(IReadOnlyList<Trace> expected, IReadOnlyList<Trace> actual)
    {
        Assert.Equal(expected.Select(t => t.Index), actual.Select(t => t.Index));
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].TokenIds, actual[i].TokenIds);
            Assert.Equal(expected[i].FinishReason, actual[i].FinishReason);
            Assert.Equal(expected[i].Text, actual[i].Text);
            Assert.Equal(expected[i].DecodeSteps, actual[i].DecodeSteps);
            for (var k = 0; k < expected[i].TokenLogProbs.Count; k++)
                Assert.Equal(expected[i].TokenLogProbs[k], actual[i].TokenLogProbs[k], 1e-3f);
        }
    }

    [Fact]
    public async Task Traces_EqualTheSingleRequestGenerator_GreedyAndSeeded_WhileSharingTheBatch()
    {
        TraceRequest[] requests =
        [
            Request("Q: Tom has 12 apples.", 3, temperature: 0),
            Request("Q: 7 + 5 =", 4, temperature: 1.0f, seed: 11),
            Request("Q: A train leaves at noon and travels", 2, temperature: 0.8f, seed: 3, first: 5),
        ];
        await using var scheduler = new ContinuousBatchScheduler(fixture.Model, null, startPaused: true);
        // Queued while paused, so all three join the first step together.
        var running = requests.Select(r => scheduler.GenerateAllAsync(r)).ToArray();
        scheduler.Start();
        var results = await Task.WhenAll(running);

        for (var i = 0; i < requests.Length; i++) AssertSameTraces(await Reference(requests[i]), results[i]);
        var stats = scheduler.Statistics;
        Assert.Equal(3, stats.MaxRequestsInOneStep);
        Assert.True(stats.SharedSteps > 0);
        Assert.Equal(3, stats.Prefills);
        Assert.Equal(3, stats.RequestsCompleted);
        Assert.Equal(0, stats.QueueLength);
    }

    [Fact]
    public async Task ManyConcurrentRequests_ShareDecodeSteps_AndEachGetsExactlyItsOwnTraces()
    {
        var requests = Enumerable.Range(0, 8).Select(i => Request(i % 2 == 0 ? "Q: 3 + 4 =" : "Q: Ann has 9 pens.", 2, 1.0f, seed: (ulong)(100 + i), first: i)).ToArray();
        await using var scheduler = new ContinuousBatchScheduler(fixture.Model, new SchedulerOptions { MaxRows = 64 }, startPaused: true);
        var running = requests.Select(r => scheduler.GenerateAllAsync(r)).ToArray();
        Assert.Equal(8, scheduler.QueueLength);
        scheduler.Start();
        var results = await Task.WhenAll(running);

        Assert.Equal(8, scheduler.Statistics.MaxRequestsInOneStep);
        for (var i = 0; i < requests.Length; i++)
        {
            Assert.Equal([i, i + 1], results[i].Select(t => t.Index));
            AssertSameTraces(await Reference(requests[i]), results[i]);
        }
    }

    [Fact]
    public async Task ALargeRequest_DoesNotStarveASmallOne_RowsAreDealtRoundRobin()
    {
        var big = Request("Q: 3 + 4 =", 8, 1.0f, seed: 5);
        var small = Request("Q: Ann has 9 pens.", 2, 1.0f, seed: 6);
        await using var scheduler = new ContinuousBatchScheduler(fixture.Model, new SchedulerOptions { MaxRows = 4 }, startPaused: true);
        var bigRun = scheduler.GenerateAllAsync(big);
        var smallRun = scheduler.GenerateAllAsync(small);
        scheduler.Start();
        await Task.WhenAll(bigRun, smallRun);

        // The small request joined the very first step beside the big one instead of waiting for its 8 rows.
        Assert.Equal(2, scheduler.Statistics.MaxRequestsInOneStep);
        AssertSameTraces(await Reference(big), await bigRun);
        AssertSameTraces(await Reference(small), await smallRun);
    }

    [Fact]
    public async Task CancellingARequest_FreesItsRowsAtTheNextStep()
    {
        var gate = new SemaphoreSlim(0);
        await using var scheduler = new ContinuousBatchScheduler(fixture.Model, null, startPaused: true, stepGate: gate);
        var longRequest = Request("Q: 3 + 4 =", 4, 1.0f, maxTokens: 80) with { Sampling = new SamplingOptions { Temperature = 1, MaxTokens = 80, IgnoreEndOfSequence = true } };
        using var cts = new CancellationTokenSource();
        var abandoned = scheduler.GenerateAllAsync(longRequest, cts.Token);
        scheduler.Start();
        gate.Release(2);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);

        // A short request after the cancel: when it is done, the cancelled rows must be gone.
        var shortRequest = new TraceRequest { Prompt = "Q", Sampling = new SamplingOptions { Temperature = 0, MaxTokens = 3, IgnoreEndOfSequence = true } };
        var after = scheduler.GenerateAllAsync(shortRequest);
        // Enough permits whichever step the cancel landed in; rows that were not freed would decode on with them.
        gate.Release(1000);
        var traces = await after;

        Assert.Equal(3, traces[0].GeneratedTokens);
        var stats = scheduler.Statistics;
        Assert.Equal(0, stats.ActiveRows);
        Assert.Equal(1, stats.RequestsAbandoned);
        Assert.True(stats.DecodeSteps <= 6, $"{stats.DecodeSteps} steps: the cancelled rows kept decoding");
    }

    [Fact]
    public async Task RowsCancelledBeforeTheirTurn_AreAnsweredWithoutDecoding()
    {
        var control = new TraceControl();
        control.CancelAll();
        await using var scheduler = new ContinuousBatchScheduler(fixture.Model);
        var traces = await scheduler.GenerateAllAsync(Request("Q: 3 + 4 =", 3, 1.0f) with { Control = control });

        Assert.All(traces, t => Assert.Equal(FinishReason.Cancelled, t.FinishReason));
        Assert.All(traces, t => Assert.Equal(0, t.DecodeSteps));
        Assert.Equal(0, scheduler.Statistics.Prefills);
    }

    [Fact]
    public async Task SelfConsistencySolver_RunsOnTheSchedulerUnchanged()
    {
        await using var scheduler = new ContinuousBatchScheduler(fixture.Model);
        var generator = new OnnxTraceGenerator(fixture.Model);
        var options = new SelfConsistencyOptions { Sampling = new SamplingOptions { Temperature = 1, Seed = 4, MaxTokens = 10 } };
        var viaScheduler = await new SelfConsistencySolver(scheduler, new MathAnswerExtractor(), MathAnswerEquivalence.Instance, options: options).SolveAsync("2 + 2", Budget.Fast);
        var direct = await new SelfConsistencySolver(generator, new MathAnswerExtractor(), MathAnswerEquivalence.Instance, options: options).SolveAsync("2 + 2", Budget.Fast);

        Assert.Equal(direct.Answer, viaScheduler.Answer);
        Assert.Equal(direct.Usage.GeneratedTokens, viaScheduler.Usage.GeneratedTokens);
        Assert.Equal(4, viaScheduler.TracesDrawn);
    }

    [Fact]
    public async Task InvalidRequests_AreRejectedBeforeQueueing()
    {
        await using var scheduler = new ContinuousBatchScheduler(fixture.Model);
        await Assert.ThrowsAsync<ArgumentException>(() => scheduler.GenerateAllAsync(new TraceRequest { Prompt = "" }));
        await Assert.ThrowsAsync<ArgumentException>(() => scheduler.GenerateAllAsync(new TraceRequest { Prompt = string.Concat(Enumerable.Repeat("apples ", 200)) }));
        Assert.Equal(0, scheduler.QueueLength);
    }

    [Fact]
    public async Task Disposing_FailsQueuedRequestsWithObjectDisposed()
    {
        var scheduler = new ContinuousBatchScheduler(fixture.Model, null, startPaused: true);
        var queued = scheduler.GenerateAllAsync(Request("Q: 3 + 4 =", 2, 1.0f));
        await scheduler.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => queued);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => scheduler.GenerateAllAsync(Request("Q", 1, 0)));
    }
}
