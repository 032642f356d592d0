using InferenceScaling.Runtime;
using InferenceScaling.Sampling;
using InferenceScaling.Scheduling;
using InferenceScaling.Tests.Runtime;

namespace InferenceScaling.Tests.Scheduling;

/// <summary>The scheduler's continuation scorer queues its passes with the generation requests: one row admission, one thread on the model.</summary>
public sealed class SchedulerScoringTests(TinyModelFixture fixture) : IClassFixture<TinyModelFixture>
{
    private static readonly Continuation[] Items =
        [new("Q: Tom has 12 apples.", " He buys 7 more."), new("Q", " 40-15=25."), new("The answer is", " 57")];

    private static TraceRequest Greedy(int count, int maxTokens) => new()
    {
        Prompt = "Q: Tom has 12 apples.",
        Count = count,
        Sampling = new SamplingOptions { Temperature = 0, MaxTokens = maxTokens, IgnoreEndOfSequence = true },
    };

    [Fact]
    public async Task Scoring_WaitsForTheRowsDecodingHolds_ThenScoresAsTheModelAlone()
    {
        await using var scheduler = new ContinuousBatchScheduler(fixture.Model, new SchedulerOptions { MaxRows = 2 }, startPaused: true);
        var scorer = scheduler.GetService<IContinuationScorer>()!;
        var decoding = scheduler.GenerateAllAsync(Greedy(count: 2, maxTokens: 6));
        await scheduler.WaitForQueueLengthAsync(1);
        var scoring = scorer.ScoreAsync(Items);
        await scheduler.WaitForQueueLengthAsync(2);
        Assert.False(scoring.IsCompleted);
        scheduler.Start();

        var scores = await scoring;
        // One admission, rows dealt round-robin in arrival order: the first round gives the generation one row and the
        // scoring one (a pass of one continuation), the next the generation its second row; each remaining
        // continuation gets a row only as a generation row leaves — the last only once the generation is done.
        Assert.Equal(1, scheduler.Statistics.RequestsCompleted);
        Assert.Equal(2, (await decoding).Count);
        var alone = await new OnnxContinuationScorer(fixture.Model).ScoreAsync(Items);
        for (var i = 0; i < Items.Length; i++)
        {
            Assert.Equal(alone[i].TokenLogProbs, scores[i].TokenLogProbs);
            Assert.Equal(alone[i].IsGreedy, scores[i].IsGreedy);
        }

        var stats = scheduler.Statistics;
        Assert.Equal(Items.Length, stats.ScoredContinuations);
        Assert.Equal(3, stats.ScoringPasses);
        Assert.Equal(0, stats.QueueLength);
    }

    [Fact]
    public async Task ScoreTokens_ThroughTheScheduler_KeepsTopLogProbs()
    {
        await using var scheduler = new ContinuousBatchScheduler(fixture.Model);
        var scorer = scheduler.GetService<OnnxContinuationScorer>()!;
        Assert.Same(scorer, scheduler.GetService<IContinuationScorer>());
        int[] ids = [.. fixture.Model.Tokenizer.Encode("Q: Tom has 12 apples. He buys")];
        var via = (await scorer.ScoreTokensAsync([ids], promptTokens: 2, topLogProbs: 3))[0];
        var alone = (await new OnnxContinuationScorer(fixture.Model).ScoreTokensAsync([ids], promptTokens: 2, topLogProbs: 3))[0];
        Assert.Equal(alone.TokenLogProbs, via.TokenLogProbs);
        Assert.Equal(alone.TopLogProbs!.Select(t => t.Select(x => x.TokenId)), via.TopLogProbs!.Select(t => t.Select(x => x.TokenId)));
        Assert.Equal(1, scheduler.Statistics.ScoringPasses);
    }

    [Fact]
    public async Task Scoring_CancelledWhileQueued_IsAnsweredCancelled_AndNeverRuns()
    {
        await using var scheduler = new ContinuousBatchScheduler(fixture.Model, null, startPaused: true);
        using var cts = new CancellationTokenSource();
        var scoring = scheduler.GetService<IContinuationScorer>()!.ScoreAsync(Items, cts.Token);
        await scheduler.WaitForQueueLengthAsync(1);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => scoring);
        scheduler.Start();
        // A request queued after it is served: the loop has looked at (and dropped) the cancelled one by then.
        Assert.Single(await scheduler.GenerateAllAsync(Greedy(count: 1, maxTokens: 2)));
        var stats = scheduler.Statistics;
        Assert.Equal(0, stats.ScoringPasses);
        Assert.Equal(1, stats.RequestsAbandoned);
        Assert.Equal(0, stats.QueueLength);
    }

    [Fact]
    public async Task Scoring_QueuedWhenTheSchedulerStops_FailsWithObjectDisposed()
    {
        var scheduler = new ContinuousBatchScheduler(fixture.Model, null, startPaused: true);
        var scoring = scheduler.GetService<IContinuationScorer>()!.ScoreAsync(Items);
        await scheduler.WaitForQueueLengthAsync(1);
        await scheduler.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => scoring);
    }
}
