using System.Net;
using InferenceScaling.Server;
using InferenceScaling.Tests.Runtime;

namespace InferenceScaling.Tests.Server;

/// <summary>The server's ceilings on one request's wall time and tokens, whatever the budget asks.</summary>
public sealed class RequestCeilingTests(TinyModelFixture fixture) : IClassFixture<TinyModelFixture>
{
    [Fact]
    public async Task TheWallTimeCeiling_IsEveryBudgetsDeadline_AndTheAnswerSoFarComesBackWithItsStopReason()
    {
        // A ceiling shorter than one prefill: the budget asks for no deadline, the ceiling gives it one that has passed.
        await using var server = await LoopbackServer.StartAsync(fixture.Model, new ServerOptions { RequestTimeout = TimeSpan.FromMilliseconds(1) });
        var response = await server.PostJsonAsync("/v1/solve", """{"question":"2 + 3","budget":{"samples":64,"confidence":null}}""");
        var body = await LoopbackServer.ReadJsonAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("deadline", body.GetProperty("stop_reason").GetString());
        Assert.True(body.GetProperty("deadline_reached").GetBoolean());
        Assert.Contains("deadline=1ms", body.GetProperty("budget").GetString(), StringComparison.Ordinal);
        Assert.True(body.GetProperty("traces_drawn").GetInt32() < 64);
    }

    [Fact]
    public async Task WorkStillRunningPastTheCeilingAndItsGrace_IsCutWith503()
    {
        // The wave is queued before the deadline, and the decode loop never starts, so nothing answers at the
        // deadline: the backstop (5 s after the ceiling) cuts the request.
        await using var server = await LoopbackServer.StartAsync(fixture.Model, new ServerOptions { RequestTimeout = TimeSpan.FromMilliseconds(300) }, paused: true);
        var response = await server.PostJsonAsync("/v1/solve", """{"question":"2 + 3","budget":{"samples":2,"confidence":null}}""");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("request_timeout", (await LoopbackServer.ReadJsonAsync(response)).GetProperty("error").GetProperty("code").GetString());
        server.Scheduler.Start();
    }

    [Theory]
    [InlineData("""{"question":"2 + 3","budget":"deadline=2s"}""", "budget")]
    [InlineData("""{"question":"2 + 3","budget":{"deadline_ms":2000}}""", "budget.deadline_ms")]
    [InlineData("""{"question":"2 + 3","budget":{"tokens":5000}}""", "budget.tokens")]
    public async Task ABudgetBeyondACeiling_IsA400NamingIt(string json, string param)
    {
        await using var server = await LoopbackServer.StartAsync(fixture.Model, new ServerOptions { RequestTimeout = TimeSpan.FromSeconds(1), MaxTokensPerRequest = 4000 });
        var response = await server.PostJsonAsync("/v1/solve", json);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(param, (await LoopbackServer.ReadJsonAsync(response)).GetProperty("error").GetProperty("param").GetString());
    }

    [Fact]
    public async Task ChoicesTimesMaxTokensBeyondTheTokenCeiling_IsA400()
    {
        await using var server = await LoopbackServer.StartAsync(fixture.Model, new ServerOptions { MaxTokensPerRequest = 20 });
        var response = await server.PostJsonAsync("/v1/chat/completions", """{"messages":[{"role":"user","content":"2 + 2"}],"n":3,"max_tokens":8}""");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("max_tokens", (await LoopbackServer.ReadJsonAsync(response)).GetProperty("error").GetProperty("param").GetString());
        Assert.Equal(HttpStatusCode.OK, (await server.PostJsonAsync("/v1/chat/completions", """{"messages":[{"role":"user","content":"2 + 2"}],"n":2,"max_tokens":8}""")).StatusCode);
    }
}
