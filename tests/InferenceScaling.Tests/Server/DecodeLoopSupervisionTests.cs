using System.Net;
using InferenceScaling.Sampling;
using InferenceScaling.Server;
using InferenceScaling.Tests.Runtime;

namespace InferenceScaling.Tests.Server;

/// <summary>A fault in the decode loop fails the requests it held with a bare 500, the service says it is degraded, and a fresh loop serves the next ones.</summary>
public sealed class DecodeLoopSupervisionTests(TinyModelFixture fixture) : IClassFixture<TinyModelFixture>
{
    private const string Chat = "/v1/chat/completions";

    private const string Secret = "tool blew up: secret internals";

    /// <summary>A tool that throws on its row's first token, inside the decode loop's step (once: one trace uses it).</summary>
    private sealed class ThrowingTool : ITokenInjector
    {
        public ReadOnlySpan<int> OnToken(int tokenId, bool injected) => throw new InvalidOperationException(Secret);
    }

    [Fact]
    public async Task AGeneratorThatThrowsOnce_FailsTheRequestsInFlightCleanly_ReportsDegraded_ThenServesAgain()
    {
        using var replacementMayStart = new ManualResetEventSlim(false);
        await using var server = await LoopbackServer.StartAsync(fixture.Model, paused: true, beforeReplacement: () => replacementMayStart.Wait());
        var inFlight = server.PostJsonAsync(Chat, """{"messages":[{"role":"user","content":"2 + 2"}],"max_tokens":8,"seed":1}""");
        await server.Scheduler.WaitForQueueLengthAsync(1);
        var faulty = Task.Run(async () =>
        {
            var request = new TraceRequest { Prompt = "Q: 1 + 1\nA:", Sampling = new SamplingOptions { MaxTokens = 4, Seed = 1 }, Injector = _ => new ThrowingTool() };
            await foreach (var _ in server.State.Generator.GenerateAsync(request)) { }
        });
        await server.Scheduler.WaitForQueueLengthAsync(2);
        server.Scheduler.Start();

        // The request in flight: a 500 that says "internal error" and nothing of the exception.
        var response = await inFlight;
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        var error = System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("error");
        Assert.Equal("internal_error", error.GetProperty("code").GetString());
        Assert.Equal("server_error", error.GetProperty("type").GetString());
        Assert.Contains("Internal error", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("secret", body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("InvalidOperation", body, StringComparison.Ordinal);
        await Assert.ThrowsAsync<DecodeLoopFaultException>(() => faulty);

        // The degraded window (held open: the replacement waits): health says so, and requests get 503 + Retry-After.
        var health = await server.Client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.Equal("degraded", (await LoopbackServer.ReadJsonAsync(health)).GetProperty("status").GetString());
        var refused = await server.PostJsonAsync(Chat, """{"messages":[{"role":"user","content":"3 + 3"}],"max_tokens":3}""");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Equal("service_degraded", (await LoopbackServer.ReadJsonAsync(refused)).GetProperty("error").GetProperty("code").GetString());

        // The loop restarts; later requests succeed and health is ok again.
        replacementMayStart.Set();
        await server.State.Supervisor.WhenServing.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.NotSame(server.Scheduler, server.State.Scheduler);
        var later = await server.PostJsonAsync(Chat, """{"messages":[{"role":"user","content":"3 + 3"}],"max_tokens":3}""");
        Assert.Equal(HttpStatusCode.OK, later.StatusCode);
        var healthy = await LoopbackServer.ReadJsonAsync(await server.Client.GetAsync("/healthz"));
        Assert.Equal("ok", healthy.GetProperty("status").GetString());
        Assert.Equal(1, healthy.GetProperty("restarts").GetInt32());
    }
}
