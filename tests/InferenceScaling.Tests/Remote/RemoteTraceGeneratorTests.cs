using InferenceScaling.Tests.Fakes;
using System.Net;
using InferenceScaling.Remote;
using InferenceScaling.Sampling;

namespace InferenceScaling.Tests.Remote;

public sealed class RemoteTraceGeneratorTests
{
    private static RemoteBackend Backend(FakeEndpoints fake, TimeProvider? time = null, params string[] hosts) =>
        RemoteBackend.Create(new RemoteBackendOptions
        {
            Endpoints = hosts.Select(FakeEndpoints.Url).ToArray(),
            ApiKey = "sk-test",
            RetryBaseDelay = TimeSpan.Zero,
            ReadTimeout = TimeSpan.FromSeconds(30),
            TimeProvider = time ?? new ManualTimeProvider(),
        }, fake);

    private static TraceRequest Request(int count = 1, ulong seed = 100, SamplingOptions? sampling = null, TraceControl? control = null) => new()
    {
        Prompt = "Q: 4+5\nA:",
        Count = count,
        Sampling = sampling ?? new SamplingOptions { Seed = seed, ConfidenceTopK = 2, TopLogProbs = 2, MaxTokens = 16 },
        Control = control,
    };

    [Fact]
    public async Task VllmCompletionStream_BecomesATraceLikeALocalOne()
    {
        var fake = new FakeEndpoints();
        fake.On("a", _ => FakeEndpoints.Sse(RecordedBodies.VllmCompletion));
        using var backend = Backend(fake, null, "a");

        var trace = await backend.TraceGenerator.GenerateOneAsync(Request());

        Assert.Equal("4+5=9", trace.Text);
        Assert.Equal([14, 3, 15, 9, 19], trace.TokenIds);
        Assert.Equal([-0.1f, -0.5f, -0.2f, -0.01f, -1.5f], trace.TokenLogProbs);
        // DeepConf: −mean of the step's top-2 log-probs (the last step's list is unordered and larger than k).
        Assert.Equal((0.1f + 2.5f) / 2, trace.TokenConfidences[0], 5);
        Assert.Equal((0.5f + 0.5f * 2) / 2, trace.TokenConfidences[1], 5);
        Assert.Equal((0.5f + 1.5f) / 2, trace.TokenConfidences[4], 5);
        Assert.Equal(new TokenLogProb(18, -0.5f), trace.TopLogProbs![4][0]);
        Assert.Equal(2, trace.TopLogProbs[4].Length);
        Assert.Equal(FinishReason.EndOfSequence, trace.FinishReason);
        Assert.Equal(12, trace.PromptTokens);
        Assert.Equal(6, trace.DecodeSteps);
        Assert.Equal(12, backend.TraceGenerator.CountTokens("Q: 4+5\nA:"));
    }

    [Fact]
    public async Task CompletionRequests_CarryVllmFieldsAndSeedPlusIndex()
    {
        var fake = new FakeEndpoints();
        fake.On("a", _ => FakeEndpoints.Sse(RecordedBodies.VllmCompletion));
        using var backend = Backend(fake, null, "a");
        var sampling = new SamplingOptions { Seed = 100, Temperature = 0.7f, TopK = 40, TopP = 0.9f, MinP = 0.05f, MaxTokens = 64, StopStrings = ["\n\n"], ConfidenceTopK = 5, TopLogProbs = 0 };

        var traces = await backend.TraceGenerator.GenerateAllAsync(Request(3, sampling: sampling) with { FirstIndex = 4 });

        Assert.Equal([4, 5, 6], traces.Select(t => t.Index));
        var bodies = fake.Requests.Where(r => r.Route == "completions").Select(r => r.Body).ToList();
        Assert.Equal([104L, 105L, 106L], bodies.Select(b => b.GetProperty("seed").GetInt64()).Order());
        var body = bodies[0];
        Assert.Equal("fake-model", body.GetProperty("model").GetString());
        Assert.Equal("Q: 4+5\nA:", body.GetProperty("prompt").GetString());
        Assert.Equal(1, body.GetProperty("n").GetInt32());
        Assert.Equal(64, body.GetProperty("max_tokens").GetInt32());
        Assert.Equal(0.7f, body.GetProperty("temperature").GetSingle());
        Assert.Equal(0.9f, body.GetProperty("top_p").GetSingle());
        Assert.Equal(40, body.GetProperty("top_k").GetInt32());
        Assert.Equal(0.05f, body.GetProperty("min_p").GetSingle());
        Assert.Equal(5, body.GetProperty("logprobs").GetInt32());
        Assert.Equal("\n\n", body.GetProperty("stop")[0].GetString());
        Assert.True(body.GetProperty("stream").GetBoolean());
        Assert.True(body.GetProperty("return_tokens_as_token_ids").GetBoolean());
        Assert.All(fake.Requests, r => Assert.Equal("Bearer sk-test", r.Authorization));
    }

    [Fact]
    public async Task VllmEndpoint_GetsTopKAndMinPOff_WhenTheyAreOff_SinceAnOmittedFieldTakesTheModelFoldersDefault()
    {
        var fake = new FakeEndpoints();
        fake.On("a", _ => FakeEndpoints.Sse(RecordedBodies.VllmCompletion));
        using var backend = Backend(fake, null, "a");

        await backend.TraceGenerator.GenerateOneAsync(Request(sampling: new SamplingOptions { TopK = 0, MinP = 0f }));

        var body = fake.Requests.Single(r => r.Route == "completions").Body;
        Assert.Equal(-1, body.GetProperty("top_k").GetInt32());
        Assert.Equal(0f, body.GetProperty("min_p").GetSingle());
    }

    [Fact]
    public async Task OpenAiEndpoint_GetsNoVllmFields()
    {
        var fake = new FakeEndpoints();
        fake.On("a/models", _ => FakeEndpoints.Models("gpt-3.5-turbo-instruct", "system"));
        fake.On("a", _ => FakeEndpoints.Sse(RecordedBodies.VllmCompletion));
        using var backend = Backend(fake, null, "a");

        await backend.TraceGenerator.GenerateOneAsync(Request(sampling: new SamplingOptions { TopK = 40, MinP = 0.1f }));

        var body = fake.Requests.Single(r => r.Route == "completions").Body;
        Assert.False(body.TryGetProperty("top_k", out _));
        Assert.False(body.TryGetProperty("min_p", out _));
        Assert.False(body.TryGetProperty("return_tokens_as_token_ids", out _));
    }

    [Fact]
    public async Task EndpointWithoutCompletions_FallsBackToChatAndReadsOpenAiLogprobs()
    {
        var fake = new FakeEndpoints();
        fake.On("a/models", _ => FakeEndpoints.Models("gpt-4o-mini", "system"));
        fake.On("a", r => r.Route == "completions"
            ? FakeEndpoints.Json("""{"error":{"message":"Not found","type":"invalid_request_error","param":null,"code":null}}""", HttpStatusCode.NotFound)
            : FakeEndpoints.Sse(RecordedBodies.OpenAiChat));
        using var backend = Backend(fake, null, "a");

        var first = await backend.TraceGenerator.GenerateOneAsync(Request());
        var second = await backend.TraceGenerator.GenerateOneAsync(Request());

        Assert.Equal("Hello!", first.Text);
        Assert.Equal([-0.31725305f, -0.02380986f], first.TokenLogProbs);
        Assert.Equal((0.31725305f + 1.3190403f) / 2, first.TokenConfidences[0], 5);
        Assert.Equal(FinishReason.Length, first.FinishReason);
        Assert.Equal(9, first.PromptTokens);
        // Token strings get stable ids within the backend.
        Assert.Equal(first.TokenIds, second.TokenIds);
        Assert.Equal(first.TokenIds[0], first.TopLogProbs![0][0].TokenId);
        Assert.Equal(1, fake.Count("a", "completions"));
        var chat = fake.Requests.First(r => r.Route == "chat/completions").Body;
        Assert.Equal("Q: 4+5\nA:", chat.GetProperty("messages")[0].GetProperty("content").GetString());
        Assert.True(chat.GetProperty("logprobs").GetBoolean());
        Assert.Equal(2, chat.GetProperty("top_logprobs").GetInt32());
    }

    [Fact]
    public async Task StopReasonString_IsAStopStringFinish()
    {
        var fake = new FakeEndpoints();
        fake.On("a", _ => FakeEndpoints.Sse([RecordedBodies.VllmToken(5, "7", -0.1f, -2f), RecordedBodies.VllmToken(6, "", -0.2f, -3f, "stop", "\\n")]));
        using var backend = Backend(fake, null, "a");

        var trace = await backend.TraceGenerator.GenerateOneAsync(Request());

        Assert.Equal(FinishReason.StopString, trace.FinishReason);
        Assert.Equal(2, trace.DecodeSteps);
    }

    [Fact]
    public async Task ServiceUnavailableThenSuccess_WaitsRetryAfterAndDelivers()
    {
        var clock = new ManualTimeProvider();
        var fake = new FakeEndpoints();
        var calls = 0;
        fake.On("a", _ =>
        {
            if (Interlocked.Increment(ref calls) > 1) return FakeEndpoints.Sse(RecordedBodies.VllmCompletion);
            var busy = FakeEndpoints.Json("""{"object":"error","message":"busy","type":"ServiceUnavailable","code":503}""", HttpStatusCode.ServiceUnavailable);
            busy.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(7));
            return busy;
        });
        using var backend = Backend(fake, clock, "a");

        var run = backend.TraceGenerator.GenerateOneAsync(Request());
        await clock.TimerStarted(TimeSpan.FromSeconds(7));
        Assert.False(run.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(7));
        var trace = await run;

        Assert.Equal("4+5=9", trace.Text);
        Assert.Equal(2, fake.Count("a", "completions"));
        var stats = backend.Statistics().Single();
        Assert.Equal((1L, 1L, 0), (stats.Succeeded, stats.Failed, stats.Outstanding));
    }

    [Fact]
    public async Task SlowEndpoint_TimesOutAndTheTraceIsDrawnOnTheOther()
    {
        var clock = new ManualTimeProvider();
        var fake = new FakeEndpoints();
        var reading = new TaskCompletionSource();
        fake.On("slow", _ => FakeEndpoints.Silent(reading));
        fake.On("fast", _ => FakeEndpoints.Sse(RecordedBodies.VllmCompletion));
        using var backend = Backend(fake, clock, "slow", "fast");
        var control = new TraceControl();

        // Two traces: one lands on each endpoint (least outstanding), the slow one is retried on the fast one. The clock
        // moves only once the fast trace is in: moved earlier, it would time out the fast trace's read as well.
        await using var run = backend.TraceGenerator.GenerateAsync(Request(2, control: control)).GetAsyncEnumerator();
        Assert.True(await run.MoveNextAsync());
        var traces = new List<Trace> { run.Current };
        await reading.Task;
        clock.Advance(TimeSpan.FromSeconds(30));
        Assert.True(await run.MoveNextAsync());
        traces.Add(run.Current);
        Assert.False(await run.MoveNextAsync());

        Assert.All(traces, t => Assert.Equal("4+5=9", t.Text));
        Assert.Equal(1, fake.Count("slow", "completions"));
        Assert.Equal(2, fake.Count("fast", "completions"));
        Assert.Equal(1, backend.Statistics()[0].Failed);
    }

    [Fact]
    public async Task RefusedConnection_IsRetriedOnAnotherEndpoint()
    {
        var fake = new FakeEndpoints();
        fake.On("up", _ => FakeEndpoints.Sse(RecordedBodies.VllmCompletion));
        using var backend = Backend(fake, null, "down", "up");

        var traces = await backend.TraceGenerator.GenerateAllAsync(Request(4));

        Assert.Equal(4, traces.Count);
        Assert.Equal(4, fake.Count("up", "completions"));
        Assert.True(backend.Statistics()[0].Failed >= 1);
    }

    [Fact]
    public async Task StreamCutMidway_IsDrawnAgainFromTheStart()
    {
        var fake = new FakeEndpoints();
        var calls = 0;
        fake.On("a", _ => Interlocked.Increment(ref calls) == 1
            ? FakeEndpoints.Cut([RecordedBodies.VllmCompletion[0]])
            : FakeEndpoints.Sse(RecordedBodies.VllmCompletion));
        using var backend = Backend(fake, null, "a");

        var trace = await backend.TraceGenerator.GenerateOneAsync(Request());

        Assert.Equal("4+5=9", trace.Text);
        Assert.Equal(5, trace.TokenIds.Count);
        Assert.Equal(2, fake.Count("a", "completions"));
    }

    [Fact]
    public async Task StreamEndingWithoutFinish_IsRetried()
    {
        var fake = new FakeEndpoints();
        var calls = 0;
        fake.On("a", _ => Interlocked.Increment(ref calls) == 1
            ? FakeEndpoints.Sse([RecordedBodies.VllmCompletion[0]], done: false)
            : FakeEndpoints.Sse(RecordedBodies.VllmCompletion));
        using var backend = Backend(fake, null, "a");

        var trace = await backend.TraceGenerator.GenerateOneAsync(Request());

        Assert.Equal(5, trace.TokenIds.Count);
        Assert.Equal(2, calls);
    }

    [Fact]
    public async Task MalformedBodyEveryTime_FailsNamingTheEndpoint()
    {
        var fake = new FakeEndpoints();
        fake.On("a", _ => FakeEndpoints.Sse(["""{"choices":[{"index":0,"text":"4","logprobs":{"tokens":["token_id:4"]""", "not json"]));
        using var backend = Backend(fake, null, "a");

        var e = await Assert.ThrowsAsync<RemoteBackendException>(() => backend.TraceGenerator.GenerateOneAsync(Request()));

        Assert.Equal(FakeEndpoints.Url("a"), e.Endpoint);
        Assert.Contains("http://a/v1", e.Message);
        Assert.Contains("malformed", e.Message);
        Assert.Equal(5, fake.Count("a", "completions"));
    }

    [Fact]
    public async Task ClientError_FailsAtOnceWithTheEndpointsMessage()
    {
        var fake = new FakeEndpoints();
        fake.On("a", _ => FakeEndpoints.Json("""{"object":"error","message":"This model's maximum context length is 4096 tokens.","type":"BadRequestError","param":null,"code":400}""", HttpStatusCode.BadRequest));
        using var backend = Backend(fake, null, "a");

        var e = await Assert.ThrowsAsync<RemoteBackendException>(() => backend.TraceGenerator.GenerateOneAsync(Request()));

        Assert.Equal(HttpStatusCode.BadRequest, e.StatusCode);
        Assert.Contains("maximum context length is 4096", e.Message);
        Assert.Contains("http://a/v1", e.Message);
        Assert.Equal(1, fake.Count("a", "completions"));
    }

    [Fact]
    public async Task EveryEndpointDown_FailsNamingOne_NoHang()
    {
        var fake = new FakeEndpoints();
        using var backend = Backend(fake, null, "x", "y");

        var e = await Assert.ThrowsAsync<RemoteBackendException>(() => backend.TraceGenerator.GenerateAllAsync(Request(3)));

        Assert.Contains("cannot connect", e.Message);
        Assert.Contains(e.Endpoint, new[] { FakeEndpoints.Url("x"), FakeEndpoints.Url("y") });
    }

    [Fact]
    public async Task Traces_SpreadByLeastOutstanding_WithinTheConcurrencyLimit()
    {
        var fake = new FakeEndpoints();
        var gate = new TaskCompletionSource();
        var sixIn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var arrived = 0;
        Func<FakeEndpoints.Received, CancellationToken, Task<HttpResponseMessage>> held = async (_, ct) =>
        {
            if (Interlocked.Increment(ref arrived) == 6) sixIn.SetResult();
            await gate.Task.WaitAsync(ct);
            return FakeEndpoints.Sse(RecordedBodies.VllmCompletion);
        };
        fake.On("a", held);
        fake.On("b", held);
        using var backend = RemoteBackend.Create(new RemoteBackendOptions
        {
            Endpoints = [FakeEndpoints.Url("a"), FakeEndpoints.Url("b")],
            MaxConcurrencyPerEndpoint = 3,
            TimeProvider = new ManualTimeProvider(),
        }, fake);

        var run = backend.TraceGenerator.GenerateAllAsync(Request(10));
        await sixIn.Task;
        var stats = backend.Statistics();
        Assert.Equal([3, 3], stats.Select(s => s.Outstanding));
        gate.SetResult();
        var traces = await run;

        Assert.Equal(10, traces.Count);
        Assert.True(fake.PeakInFlight["a"] <= 3 && fake.PeakInFlight["b"] <= 3);
        Assert.Equal(10, fake.Count("a", "completions") + fake.Count("b", "completions"));
        Assert.True(fake.Count("a", "completions") >= 3 && fake.Count("b", "completions") >= 3);
    }

    [Fact]
    public async Task SequentialTraces_AlternateBetweenIdleEndpoints()
    {
        var fake = new FakeEndpoints();
        fake.On("a", _ => FakeEndpoints.Sse(RecordedBodies.VllmCompletion));
        fake.On("b", _ => FakeEndpoints.Sse(RecordedBodies.VllmCompletion));
        using var backend = Backend(fake, null, "a", "b");

        for (var i = 0; i < 4; i++) await backend.TraceGenerator.GenerateOneAsync(Request());

        Assert.Equal(2, fake.Count("a", "completions"));
        Assert.Equal(2, fake.Count("b", "completions"));
    }

    [Fact]
    public async Task EndpointThatKeepsFailing_IsSetAsideAndTriedAgainLater()
    {
        var clock = new ManualTimeProvider();
        var fake = new FakeEndpoints();
        fake.On("bad", _ => FakeEndpoints.Json("{}", HttpStatusCode.BadGateway));
        fake.On("good", _ => FakeEndpoints.Sse(RecordedBodies.VllmCompletion));
        using var backend = RemoteBackend.Create(new RemoteBackendOptions
        {
            Endpoints = [FakeEndpoints.Url("bad"), FakeEndpoints.Url("good")],
            RetryBaseDelay = TimeSpan.Zero,
            FailuresToSetAside = 2,
            SetAsideTime = TimeSpan.FromSeconds(60),
            TimeProvider = clock,
        }, fake);

        for (var i = 0; i < 6; i++) await backend.TraceGenerator.GenerateOneAsync(Request());
        var badWhileAside = fake.Count("bad", "completions");
        Assert.True(backend.Statistics()[0].SetAside);
        clock.Advance(TimeSpan.FromSeconds(61));
        Assert.False(backend.Statistics()[0].SetAside);
        await backend.TraceGenerator.GenerateOneAsync(Request());

        Assert.Equal(2, badWhileAside);
        Assert.Equal(3, fake.Count("bad", "completions"));
    }

    [Fact]
    public async Task CancelledTrace_StopsItsStreamWhileTheOthersFinish()
    {
        var fake = new FakeEndpoints();
        var control = new TraceControl();
        fake.On("a", r =>
        {
            var seed = r.Body.GetProperty("seed").GetInt64();
            if (seed == 101) control.Cancel(1); // cancelled by the caller after its first token is out
            return FakeEndpoints.Sse(RecordedBodies.VllmCompletion);
        });
        using var backend = Backend(fake, null, "a");

        var traces = await backend.TraceGenerator.GenerateAllAsync(Request(3, seed: 100, control: control));

        Assert.Equal(FinishReason.Cancelled, traces[1].FinishReason);
        Assert.Equal(2, traces[1].TokenIds.Count);
        Assert.Equal(FinishReason.EndOfSequence, traces[0].FinishReason);
        Assert.Equal(FinishReason.EndOfSequence, traces[2].FinishReason);
    }

    [Fact]
    public async Task LowWindowConfidence_CutsTheTrace()
    {
        var fake = new FakeEndpoints();
        var chunks = Enumerable.Range(0, 10).Select(i => RecordedBodies.VllmToken(i, "x", -0.5f, -0.6f)).Append(RecordedBodies.VllmToken(99, "", -0.1f, -9f, "length"));
        fake.On("a", _ => FakeEndpoints.Sse(chunks));
        using var backend = Backend(fake, null, "a");
        var control = new TraceControl { MinWindowConfidence = 1.0, ConfidenceWindow = 4 };

        var trace = await backend.TraceGenerator.GenerateOneAsync(Request(control: control));

        // Each step's confidence is (0.5 + 0.6) / 2 = 0.55 < 1: cut once the window is full.
        Assert.Equal(FinishReason.LowConfidence, trace.FinishReason);
        Assert.Equal(4, trace.TokenIds.Count);
    }

    [Fact]
    public async Task LowWindowConfidence_InsideAWholeTraceChunk_CutsAtTheSameToken()
    {
        // An endpoint that sends a finished trace in one chunk (infscale serve does): the tokens after the window
        // fell low are dropped and the text is cut at the first dropped token's offset.
        var fake = new FakeEndpoints();
        fake.On("a", _ => FakeEndpoints.Sse([
            """{"id":"cmpl-1","object":"text_completion","created":1,"model":"fake-model","choices":[{"index":0,"text":"ab cd ef","logprobs":{"text_offset":[0,1,3,4,6,7],"token_logprobs":[-0.1,-0.1,-2,-2,-0.1,-0.1],"tokens":["token_id:1","token_id:2","token_id:3","token_id:4","token_id:5","token_id:6"],"top_logprobs":[{"token_id:1":-0.1,"token_id:9":-9},{"token_id:2":-0.1,"token_id:9":-9},{"token_id:3":-2,"token_id:9":-2.1},{"token_id:4":-2,"token_id:9":-2.1},{"token_id:5":-0.1,"token_id:9":-9},{"token_id:6":-0.1,"token_id:9":-9}]},"finish_reason":"stop","stop_reason":null}]}""",
        ]));
        using var backend = Backend(fake, null, "a");
        var control = new TraceControl { MinWindowConfidence = 3.0, ConfidenceWindow = 2 };

        var trace = await backend.TraceGenerator.GenerateOneAsync(Request(control: control));

        // Confidences 4.55, 4.55, 2.05, 2.05: the window of two falls below 3 at the fourth token.
        Assert.Equal(FinishReason.LowConfidence, trace.FinishReason);
        Assert.Equal([1, 2, 3, 4], trace.TokenIds);
        Assert.Equal("ab cd ", trace.Text);
    }

    [Fact]
    public async Task ModelNotServed_FailsNamingBoth()
    {
        var fake = new FakeEndpoints();
        fake.On("a", _ => FakeEndpoints.Sse(RecordedBodies.VllmCompletion));
        using var backend = RemoteBackend.Create(new RemoteBackendOptions { Endpoints = [FakeEndpoints.Url("a")], Model = "other" }, fake);

        var e = await Assert.ThrowsAsync<RemoteBackendException>(() => backend.TraceGenerator.GenerateOneAsync(Request()));

        Assert.Contains("'other'", e.Message);
        Assert.Contains("'fake-model'", e.Message);
    }

    [Fact]
    public void Options_RejectANonHttpEndpoint() =>
        Assert.Throws<ArgumentException>(() => RemoteBackend.Create(new RemoteBackendOptions { Endpoints = [new Uri("ftp://x/v1")] }));
}
