using InferenceScaling.Sampling;
using InferenceScaling.Solving;
using InferenceScaling.Tests.Fakes;

namespace InferenceScaling.Tests.Solving;

public sealed class SelfConsistencySolverTests
{
    private static SelfConsistencySolver Solver(ScriptedTraceGenerator generator, SelfConsistencyOptions? options = null, TimeProvider? time = null) =>
        new(generator, AnswerLineExtractor.Instance, TrimEquivalence.Instance, options: options, timeProvider: time);

    private static ScriptedTrace[] Repeat(int count, Func<int, ScriptedTrace> make) => Enumerable.Range(0, count).Select(make).ToArray();

    private static ScriptedTrace[] Split(int count) => Repeat(count, i => ScriptedTrace.Answer(i % 2 == 0 ? "4" : "5"));

    [Fact]
    public async Task Solve_StopsEarlyOnAUnanimousEasyProblem()
    {
        var generator = new ScriptedTraceGenerator(Repeat(16, _ => ScriptedTrace.Answer("4")));
        var solution = await Solver(generator).SolveAsync("2+2?", Budget.Balanced);

        Assert.Equal("4", solution.Answer);
        Assert.Equal(StopReason.Decided, solution.StopReason);
        Assert.Single(generator.Requests);
        Assert.Equal(4, solution.TracesDrawn); // 3–0 gives 15/16 < 0.95; 4–0 gives 31/32
        Assert.Equal(31.0 / 32, solution.Confidence, 12);
        Assert.Equal(1.0, solution.VoteShare);
        Assert.Equal(0, solution.TracesCancelled);
        Assert.Equal(4, solution.Usage.Samples);
    }

    [Fact]
    public async Task Solve_KeepsSamplingOnASplitProblem()
    {
        var generator = new ScriptedTraceGenerator(Split(16));
        var solution = await Solver(generator).SolveAsync("q", Budget.Balanced);

        Assert.Equal(StopReason.MaxSamples, solution.StopReason);
        Assert.Equal(16, solution.TracesDrawn);
        Assert.Equal([0, 4, 8, 12], generator.Requests.Select(r => r.FirstIndex));
        Assert.All(generator.Requests, r => Assert.Equal(4, r.Count));
        Assert.Equal("4", solution.Answer); // 8–8, equal log-probs: the group with the lower first index
        Assert.Equal(0.5, solution.Confidence, 12);
        Assert.Equal(2, solution.Distribution.Count);
    }

    [Fact]
    public async Task Solve_WithoutTargetConfidenceDrawsEverySampleInOneRequest()
    {
        var generator = new ScriptedTraceGenerator(Repeat(4, _ => ScriptedTrace.Answer("4")));
        var solution = await Solver(generator).SolveAsync("q", Budget.Fast);

        Assert.Equal(StopReason.Completed, solution.StopReason);
        var request = Assert.Single(generator.Requests);
        Assert.Equal(4, request.Count);
        Assert.Equal(0, request.FirstIndex);
        Assert.Equal("Q: q\nA:", request.Prompt);
        Assert.Equal(4, solution.Tally.Votes);
    }

    [Fact]
    public async Task Solve_CancelsInFlightTracesWhenTheVoteIsDecided()
    {
        var gate = new TaskCompletionSource(); // never released: these traces would run forever
        var script = Repeat(8, i => i < 4 ? ScriptedTrace.Answer("4") : ScriptedTrace.Answer("5") with { Gate = gate });
        var generator = new ScriptedTraceGenerator(script);
        var budget = new Budget { MaxSamples = 8, WaveSize = 8, TargetConfidence = 0.95 };
        var solution = await Solver(generator).SolveAsync("q", budget);

        Assert.Equal(StopReason.Decided, solution.StopReason);
        Assert.Equal(8, solution.TracesDrawn);
        Assert.Equal(4, solution.TracesCancelled);
        Assert.Equal([4, 5, 6, 7], solution.Traces.Where(t => t.FinishReason == FinishReason.Cancelled).Select(t => t.Index));
        Assert.True(generator.Requests[0].Control!.IsCancelled(7));
        Assert.Single(solution.Distribution);
        Assert.Equal(4 * 10 + 4 * 5, solution.Usage.GeneratedTokens); // cancelled traces spent half their tokens
        Assert.False(gate.Task.IsCompleted);
    }

    [Fact]
    public async Task Solve_CancelsTheRestOfTheWaveOnceDecided()
    {
        var generator = new ScriptedTraceGenerator(Repeat(8, _ => ScriptedTrace.Answer("4")));
        var solution = await Solver(generator).SolveAsync("q", new Budget { MaxSamples = 8, WaveSize = 8, TargetConfidence = 0.95 });

        Assert.Equal(4, solution.Tally.Votes);
        Assert.Equal(4, solution.TracesCancelled);
        Assert.Equal(4, solution.Tally.Abstentions);
    }

    [Theory]
    [InlineData(false, 1)]
    [InlineData(true, 2)]
    public async Task Solve_CancelledTracesWithAnAnswerVoteOnlyWhenAllowed(bool allowed, int groups)
    {
        var gate = new TaskCompletionSource();
        var script = Repeat(8, i => i < 4 ? ScriptedTrace.Answer("4") : ScriptedTrace.Answer("5") with { Gate = gate, CancelledText = "Answer: 5" });
        var generator = new ScriptedTraceGenerator(script);
        var options = new SelfConsistencyOptions { CancelledTracesVote = allowed };
        var solution = await Solver(generator, options).SolveAsync("q", new Budget { MaxSamples = 8, WaveSize = 8, TargetConfidence = 0.95 });

        Assert.Equal(groups, solution.Distribution.Count);
        Assert.Equal(4, solution.TracesCancelled);
        Assert.All(solution.Ballots.Where(b => b.Trace.FinishReason == FinishReason.Cancelled), b => Assert.Equal("5", b.Answer!.Text));
    }

    [Fact]
    public async Task Solve_StopsOnAUnanimousWindowBeforeThePosteriorIsReached()
    {
        var script = Repeat(16, i => ScriptedTrace.Answer(i == 0 ? "B" : "A"));
        var generator = new ScriptedTraceGenerator(script);
        var options = new SelfConsistencyOptions { UnanimousWindow = 4 };
        var solution = await Solver(generator, options).SolveAsync("q", new Budget { MaxSamples = 16, WaveSize = 2, TargetConfidence = 0.999 });

        Assert.Equal(StopReason.Unanimous, solution.StopReason);
        Assert.Equal("A", solution.Answer);
        Assert.Equal(5, solution.Tally.Votes); // B, then four A in a row
        Assert.Equal(57.0 / 64, solution.Confidence, 12);
        Assert.Equal(6, solution.TracesDrawn); // the wave's other trace was cancelled
        Assert.Equal(1, solution.TracesCancelled);
    }

    [Fact]
    public async Task Solve_NeverExceedsTheTokenBudget()
    {
        var generator = new ScriptedTraceGenerator(Split(16));
        var options = new SelfConsistencyOptions { Sampling = new SamplingOptions { MaxTokens = 10 } };
        var budget = new Budget { MaxSamples = 16, WaveSize = 4, TargetConfidence = 0.95, MaxGeneratedTokens = 65 };
        var solution = await Solver(generator, options).SolveAsync("q", budget);

        Assert.Equal(StopReason.MaxTokens, solution.StopReason);
        Assert.Equal([4, 2], generator.Requests.Select(r => r.Count)); // 65 → 4 full traces, then 25 → 2, then 5 → none
        Assert.Equal(60, solution.Usage.GeneratedTokens);
    }

    [Fact]
    public async Task Solve_CapsTheOnlyTraceWhenNoFullTraceFits()
    {
        var generator = new ScriptedTraceGenerator(Split(4));
        var options = new SelfConsistencyOptions { Sampling = new SamplingOptions { MaxTokens = 10 } };
        var solution = await Solver(generator, options).SolveAsync("q", new Budget { MaxSamples = 4, MaxGeneratedTokens = 5 });

        var request = Assert.Single(generator.Requests);
        Assert.Equal(1, request.Count);
        Assert.Equal(5, request.Sampling.MaxTokens);
        Assert.Equal(StopReason.MaxTokens, solution.StopReason);
        Assert.Null(solution.Answer);
        Assert.Equal(1, solution.TracesUnanswered); // cut off at the token limit
        Assert.Equal(5, solution.Usage.GeneratedTokens);
    }

    [Fact]
    public async Task Solve_DeadlineCancelsRunningTracesAndReturnsTheBestAnswerSoFar()
    {
        var time = new ManualTimeProvider();
        var gate = new TaskCompletionSource();
        var script = Repeat(8, i => i switch
        {
            0 or 1 => ScriptedTrace.Answer("7"),
            2 => ScriptedTrace.Answer("8"),
            _ => ScriptedTrace.Answer("8") with { Gate = gate },
        });
        var generator = new ScriptedTraceGenerator(script);
        var task = Solver(generator, time: time).SolveAsync("q", new Budget { MaxSamples = 8, Deadline = TimeSpan.FromSeconds(5) });

        await generator.Blocked;
        time.Advance(TimeSpan.FromSeconds(4));
        Assert.False(task.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));
        generator.Pulse();
        var solution = await task;

        Assert.Equal(StopReason.Deadline, solution.StopReason);
        Assert.True(solution.IsDeadlineLimited);
        Assert.Equal("7", solution.Answer);
        Assert.Equal(5, solution.TracesCancelled);
        Assert.Equal(TimeSpan.FromSeconds(5), solution.Usage.WallTime);
        Assert.False(gate.Task.IsCompleted);
    }

    [Fact]
    public async Task Solve_DeadlinePassedDuringAWaveStartsNoFurtherWave()
    {
        var time = new ManualTimeProvider();
        var generator = new ScriptedTraceGenerator(Split(16));
        generator.OnRequest = r => { if (r.FirstIndex == 4) time.Advance(TimeSpan.FromSeconds(10)); };
        var budget = new Budget { MaxSamples = 16, WaveSize = 4, TargetConfidence = 0.99, Deadline = TimeSpan.FromSeconds(3) };
        var solution = await Solver(generator, time: time).SolveAsync("q", budget);

        Assert.Equal(StopReason.Deadline, solution.StopReason);
        Assert.Equal(2, generator.Requests.Count);
        Assert.Equal(4, solution.TracesCancelled);
        Assert.Equal(4, solution.Tally.Votes);
    }

    [Fact]
    public async Task Solve_UsageAddsUpExactly()
    {
        var script = new[]
        {
            ScriptedTrace.Answer("A", tokens: 10),
            ScriptedTrace.Answer("B", tokens: 12),
            ScriptedTrace.NoAnswer(tokens: 7),
            ScriptedTrace.Answer("A", tokens: 5) with { Finish = FinishReason.StopString },
            ScriptedTrace.Answer("A", tokens: 20), // cut off at MaxTokens 16
            ScriptedTrace.Answer("B", tokens: 3),
        };
        var generator = new ScriptedTraceGenerator(script);
        var options = new SelfConsistencyOptions { Sampling = new SamplingOptions { MaxTokens = 16 } };
        var solution = await Solver(generator, options).SolveAsync("What?", new Budget { MaxSamples = 6, WaveSize = 4 });

        var prompt = "Q: What?\nA:".Length;
        Assert.Equal(2, generator.Requests.Count);
        Assert.Equal(2L * prompt, solution.Usage.PromptTokens);
        Assert.Equal(10 + 12 + 7 + 5 + 16 + 3, solution.Usage.GeneratedTokens);
        Assert.Equal(11 + 13 + 8 + 5 + 16 + 4, solution.Usage.DecodeSteps); // EOS adds a step; stop strings and cut-offs do not
        Assert.Equal(2, solution.Usage.PrefillPasses);
        Assert.Equal(57 + 2, solution.Usage.ForwardPasses);
        Assert.Equal(6, solution.Usage.Samples);
        Assert.Equal(solution.Traces.Sum(t => (long)t.GeneratedTokens), solution.Usage.GeneratedTokens);
        Assert.Equal(solution.Traces.Sum(t => (long)t.DecodeSteps), solution.Usage.DecodeSteps);
        Assert.Equal(2, solution.TracesUnanswered);
        Assert.Equal(4, solution.Tally.Votes);
        Assert.Equal(solution.TracesDrawn, solution.Tally.Votes + solution.TracesUnanswered + solution.TracesCancelled + solution.TracesLowConfidence);
        Assert.Equal("A", solution.Answer);
        Assert.Equal(StopReason.Completed, solution.Usage.StopReason);
    }

    [Fact]
    public async Task Solve_OnlineConfidenceThresholdComesFromTheFirstWave()
    {
        var script = Repeat(8, i => i < 4
            ? ScriptedTrace.Answer("4") with { Confidence = i + 1 } // lowest-window scores 1, 2, 3, 4
            : ScriptedTrace.Answer(i < 6 ? "5" : "4") with { Confidence = i < 6 ? 1.5f : 3f });
        var generator = new ScriptedTraceGenerator(script);
        var options = new SelfConsistencyOptions { OnlineKeepFraction = 0.5, ConfidenceWindow = 2 };
        var solution = await Solver(generator, options).SolveAsync("q", new Budget { MaxSamples = 8, WaveSize = 4 });

        Assert.Equal([null, 2.0], generator.ThresholdsSeen); // the 50% quantile of {1, 2, 3, 4}, nearest rank
        Assert.Equal(2, solution.TracesLowConfidence);
        Assert.Equal(6, solution.Tally.Votes);
        Assert.Single(solution.Distribution);
    }

    [Fact]
    public async Task Solve_CallerCancellationThrowsOperationCanceled()
    {
        var gate = new TaskCompletionSource();
        var generator = new ScriptedTraceGenerator(Repeat(4, _ => ScriptedTrace.Answer("4") with { Gate = gate }));
        using var cts = new CancellationTokenSource();
        var task = Solver(generator).SolveAsync("q", Budget.Fast, cts.Token);
        await generator.Blocked;
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task);
    }

    [Fact]
    public async Task Solve_RejectsAnInvalidBudget()
    {
        var generator = new ScriptedTraceGenerator(Split(4));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Solver(generator).SolveAsync("q", default));
        Assert.Empty(generator.Requests);
    }

    [Fact]
    public async Task Solve_WinningTraceIsTheWinnersMostLikelyTrace()
    {
        var script = new[] { ScriptedTrace.Answer("4", logProb: -0.5f), ScriptedTrace.Answer("4", logProb: -0.2f), ScriptedTrace.Answer("5") };
        var solution = await Solver(new ScriptedTraceGenerator(script)).SolveAsync("q", new Budget { MaxSamples = 3 });
        Assert.Equal(1, solution.WinningTrace!.Index);
    }

    [Fact]
    public async Task Solve_TraceThatStillFinishesAfterTheDecision_DoesNotVoteButItsTokensCount()
    {
        // A decode loop that never sees the cancellation in time: every trace of the wave finishes.
        var traces = Enumerable.Range(0, 8).Select(i => TestTraces.Answer(i, i < 4 ? "4" : "5")).ToArray();
        var generator = new RacingGenerator(traces);
        var solver = new SelfConsistencySolver(generator, AnswerLineExtractor.Instance, TrimEquivalence.Instance);

        var solution = await solver.SolveAsync("q", new Budget { MaxSamples = 8, WaveSize = 8, TargetConfidence = 0.95 });

        Assert.Equal(StopReason.Decided, solution.StopReason);
        Assert.Equal(4, solution.Tally.Votes); // decided at 4–0; the four "5"s arrived after it
        Assert.Single(solution.Distribution);
        Assert.Equal(8, solution.Traces.Count);
        Assert.Equal(8 * 10, solution.Usage.GeneratedTokens);
    }

    /// <summary>Yields every trace as finished, ignoring the request's control (a cancellation that arrives too late).</summary>
    private sealed class RacingGenerator(IReadOnlyList<Trace> traces) : ITraceGenerator
    {
        public int CountTokens(string text) => text.Length;

        public async IAsyncEnumerable<Trace> GenerateAsync(TraceRequest request, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            for (var i = request.FirstIndex; i < request.FirstIndex + request.Count; i++) yield return traces[i];
        }
    }
}

