using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using InferenceScaling.Runtime;
using InferenceScaling.Scheduling;
using InferenceScaling.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace InferenceScaling.Tests.Server;

/// <summary>The service on a real Kestrel at 127.0.0.1 on a free port, over the fixture model (not owned).</summary>
internal sealed class LoopbackServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LoopbackServer(WebApplication app, ContinuousBatchScheduler scheduler, Uri address)
    {
        _app = app;
        Scheduler = scheduler;
        State = app.Services.GetRequiredService<ServerState>();
        Address = address;
        Client = new HttpClient { BaseAddress = address };
    }

    /// <summary>The first scheduler (a replacement after a fault is <c>State.Scheduler</c>).</summary>
    public ContinuousBatchScheduler Scheduler { get; }

    public ServerState State { get; }

    public WebApplication App => _app;

    public Uri Address { get; }

    public HttpClient Client { get; }

    /// <summary>
    /// Starts the service; the first scheduler starts <paramref name="paused"/> and takes its steps through
    /// <paramref name="stepGate"/> when given; replacements (after a fault) are plain.
    /// </summary>
    /// <param name="beforeReplacement">Runs (on the supervisor's thread) before each replacement scheduler is made: a test holds the degraded window open with it.</param>
    public static async Task<LoopbackServer> StartAsync(DecoderModel model, ServerOptions? options = null, bool paused = false, SemaphoreSlim? stepGate = null, Action? beforeReplacement = null)
    {
        // The arith format is short enough for the fixture's 96-token context.
        options ??= new ServerOptions();
        options = options with { PromptSet = options.PromptSet ?? "arith" };
        var schedulerOptions = new SchedulerOptions { MaxRows = options.MaxRows, MaxRowsPerRequest = options.MaxRowsPerRequest, QueueCapacity = 64 };
        var scheduler = new ContinuousBatchScheduler(model, schedulerOptions, startPaused: paused, stepGate);
        var first = true;
        var app = SolveServer.Build(options, ["--urls", "http://127.0.0.1:0"], model, ownsModel: false, () =>
        {
            if (!first)
            {
                beforeReplacement?.Invoke();
                return new ContinuousBatchScheduler(model, schedulerOptions);
            }

            first = false;
            return scheduler;
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new LoopbackServer(app, scheduler, new Uri(address));
    }

    public Task<HttpResponseMessage> PostJsonAsync(string path, string json) =>
        Client.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));

    /// <summary>Posts raw bytes as <c>application/json</c> (bodies that are not valid UTF-8).</summary>
    public Task<HttpResponseMessage> PostBytesAsync(string path, byte[] body, string contentType = "application/json")
    {
        var content = new ByteArrayContent(body);
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        return Client.PostAsync(path, content);
    }

    /// <summary>Posts and returns as soon as the headers are in, so a stream can be read while the server writes it.</summary>
    public Task<HttpResponseMessage> PostStreamingAsync(string path, string json, HttpClient? client = null) =>
        (client ?? Client).SendAsync(new HttpRequestMessage(HttpMethod.Post, new Uri(Address, path)) { Content = new StringContent(json, Encoding.UTF8, "application/json") },
            HttpCompletionOption.ResponseHeadersRead);

    public static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>())!;

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
