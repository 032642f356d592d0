using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace InferenceScaling.Server;

/// <summary>
/// Graceful drain on stop (SIGTERM, Ctrl+C, <c>StopApplication</c>). Registered after the web server, so the host
/// stops it first: it stops admitting (new requests get 503 with <c>Retry-After</c> and <c>Connection: close</c> while
/// the listener is still open) and waits up to <see cref="ServerOptions.ShutdownTimeout"/> for the requests in flight,
/// then lets the web server stop.
/// </summary>
internal sealed class DrainService(ServerState state, ILogger<DrainService> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var timeout = state.Options.ShutdownTimeout;
        var drained = state.DrainAsync();
        if (drained.IsCompleted) return;
        logger.LogInformation("Draining: {Requests} request(s) in flight, waiting up to {Timeout}.", state.InFlight, timeout);
        try
        {
            await drained.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            logger.LogWarning("Shutdown timeout: {Requests} request(s) still in flight are cut.", state.InFlight);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
