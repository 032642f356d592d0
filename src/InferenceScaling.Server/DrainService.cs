using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace InferenceScaling.Server;

/// <summary>
/// Graceful drain on stop (SIGTERM, Ctrl+C, <c>StopApplication</c>). The host calls <see cref="StoppingAsync"/> before
/// it stops any hosted service, the web server included: it stops admitting (new requests get 503 with <c>Retry-After</c> and <c>Connection: close</c> while
/// the listener is still open) and waits up to <see cref="ServerOptions.ShutdownTimeout"/> for the requests in flight,
/// then lets the web server stop.
/// </summary>
internal sealed class DrainService(ServerState state, ILogger<DrainService> logger) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StoppingAsync(CancellationToken cancellationToken)
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
