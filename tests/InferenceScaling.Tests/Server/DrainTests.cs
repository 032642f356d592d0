using System.Net;
using InferenceScaling.Server;
using InferenceScaling.Tests.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace InferenceScaling.Tests.Server;

/// <summary>Stopping (what SIGTERM does: <c>StopApplication</c>) drains: requests in flight finish, new ones get 503.</summary>
public sealed class DrainTests(TinyModelFixture fixture) : IClassFixture<TinyModelFixture>
{
    private const string Chat = "/v1/chat/completions";

    [Fact]
    public async Task Stop_LetsTheRequestInFlightFinishWith200_AndRefusesANewOneWith503RetryAfterAndClose()
    {
        await using var server = await LoopbackServer.StartAsync(fixture.Model, new ServerOptions { ShutdownTimeout = TimeSpan.FromSeconds(30) }, paused: true);
        var inFlight = server.PostJsonAsync(Chat, """{"messages":[{"role":"user","content":"2 + 2"}],"max_tokens":4,"seed":1}""");
        await server.Scheduler.WaitForQueueLengthAsync(1);

        // What the console lifetime does on SIGTERM: stop the application, then the host stops (and drains).
        var shutdown = server.App.WaitForShutdownAsync();
        server.App.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
        await server.State.DrainStarted.WaitAsync(TimeSpan.FromSeconds(30));

        using var fresh = new HttpClient { BaseAddress = server.Address };
        var refused = await fresh.PostAsync(Chat, new StringContent("""{"messages":[{"role":"user","content":"3 + 3"}],"max_tokens":3}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.True(refused.Headers.ConnectionClose);
        Assert.Equal("shutting_down", (await LoopbackServer.ReadJsonAsync(refused)).GetProperty("error").GetProperty("code").GetString());
        Assert.False(shutdown.IsCompleted);

        server.Scheduler.Start();
        var finished = await inFlight;
        Assert.Equal(HttpStatusCode.OK, finished.StatusCode);
        Assert.Equal("chat.completion", (await LoopbackServer.ReadJsonAsync(finished)).GetProperty("object").GetString());
        await shutdown.WaitAsync(TimeSpan.FromSeconds(30));
    }
}
