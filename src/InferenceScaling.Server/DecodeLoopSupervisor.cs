using System.Runtime.CompilerServices;
using InferenceScaling.Sampling;
using InferenceScaling.Scheduling;
using Microsoft.Extensions.Logging;
using Trace = InferenceScaling.Sampling.Trace;

namespace InferenceScaling.Server;

/// <summary>
/// Keeps a decode loop serving: every request of the service decodes through this generator, which passes it to the
/// current <see cref="ContinuousBatchScheduler"/>. When that scheduler's loop fails (<see cref="ContinuousBatchScheduler.Fault"/>),
/// the requests it held fail with <see cref="DecodeLoopFaultException"/> (a 500 that names no internals), the service
/// is <see cref="IsDegraded"/> (requests get 503, <c>/healthz</c> says <c>degraded</c>), and a fresh scheduler replaces
/// it; if creating one fails, it is retried with a growing delay (1 s doubling to 30 s). Thread-safe.
/// </summary>
internal sealed class DecodeLoopSupervisor : ITraceGenerator, IAsyncDisposable
{
    /// <summary>Makes a scheduler (the first one, and each replacement).</summary>
    private readonly Func<ContinuousBatchScheduler> _create;

    /// <summary>Logs faults and restarts; the exception's details go to the log, never to a client.</summary>
    private readonly ILogger _logger;

    /// <summary>Stops the watching on dispose.</summary>
    private readonly CancellationTokenSource _stopping = new();

    private volatile ContinuousBatchScheduler _current;

    /// <summary>Whether the current scheduler's loop failed and no replacement serves yet.</summary>
    private volatile bool _degraded;

    /// <summary>Completed while a loop serves; a fresh one while a failed loop waits for its replacement.</summary>
    private volatile TaskCompletionSource _serving = Completed();

    private int _restarts;

    /// <summary>1 once disposed.</summary>
    private int _disposed;

    private Task _watch;

    public DecodeLoopSupervisor(Func<ContinuousBatchScheduler> create, ILogger logger)
    {
        _create = create;
        _logger = logger;
        _current = create();
        _watch = WatchAsync(_current);
    }

    /// <summary>The scheduler requests go to now.</summary>
    public ContinuousBatchScheduler Current => _current;

    /// <summary>
    /// Scores continuations with the scorer of the scheduler serving at the call, so scoring queues at the same row
    /// admission as decoding (and follows a replacement scheduler).
    /// </summary>
    public IContinuationScorer Scorer => field ??= new CurrentScorer(this);

    /// <summary>Whether the decode loop failed and its replacement is not serving yet (from the moment of the fault, before the requests it held fail).</summary>
    public bool IsDegraded => _degraded || _current.Fault is not null;

    /// <summary>Completes when a decode loop is serving (at once unless one failed and its replacement is not ready).</summary>
    internal Task WhenServing => _serving.Task;

    /// <summary>Times a failed decode loop was replaced.</summary>
    public int Restarts => Volatile.Read(ref _restarts);

    /// <inheritdoc />
    public int CountTokens(string text) => _current.CountTokens(text);

    /// <summary>The current scheduler's continuation scorer, looked up per call.</summary>
    private sealed class CurrentScorer(DecodeLoopSupervisor owner) : IContinuationScorer
    {
        public Task<IReadOnlyList<ContinuationScore>> ScoreAsync(IReadOnlyList<Continuation> items, CancellationToken cancellationToken = default) =>
            owner._current.GetService<IContinuationScorer>()!.ScoreAsync(items, cancellationToken);
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is null && serviceType.IsInstanceOfType(this) ? this : _current.GetService(serviceType, serviceKey);
    }

    /// <inheritdoc />
    /// <exception cref="DecodeLoopFaultException">The decode loop failed under the request, or is being replaced.</exception>
    public async IAsyncEnumerable<Trace> GenerateAsync(TraceRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var scheduler = _current;
        if (IsDegraded) throw new DecodeLoopFaultException(unavailable: true);
        var traces = scheduler.GenerateAsync(request, cancellationToken).GetAsyncEnumerator(cancellationToken);
        await using (traces.ConfigureAwait(false))
        {
            while (true)
            {
                try
                {
                    if (!await traces.MoveNextAsync().ConfigureAwait(false)) yield break;
                }
                catch (Exception ex) when (scheduler.Fault is not null && ex is not OperationCanceledException)
                {
                    throw new DecodeLoopFaultException(unavailable: false);
                }

                yield return traces.Current;
            }
        }
    }

    /// <summary>Stops the current scheduler and the watch. Idempotent (the state and the container both dispose it; the state first, before the model).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _current.DisposeAsync().ConfigureAwait(false);
        await _watch.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stopping.Dispose();
    }

    private static TaskCompletionSource Completed()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        done.SetResult();
        return done;
    }

    /// <summary>Waits for the scheduler's loop to end; when it failed (not stopped), replaces the scheduler.</summary>
    private async Task WatchAsync(ContinuousBatchScheduler scheduler)
    {
        await scheduler.Completion.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (scheduler.Fault is not { } fault || _stopping.IsCancellationRequested) return;
        var serving = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _serving = serving;
        _degraded = true;
        _logger.LogError(fault, "The decode loop failed; the requests in flight were failed and the loop is restarting.");
        await scheduler.DisposeAsync().ConfigureAwait(false);
        var delay = TimeSpan.FromSeconds(1);
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                var next = _create();
                _current = next;
                Interlocked.Increment(ref _restarts);
                _degraded = false;
                serving.TrySetResult();
                _logger.LogWarning("The decode loop was restarted ({Restarts} restarts).", Restarts);
                _watch = WatchAsync(next);
                return;
            }
            catch (Exception ex)
            {
                _logger.LogError(ex, "Restarting the decode loop failed; retrying in {Delay}.", delay);
            }

            try
            {
                await Task.Delay(delay, _stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
        }
    }
}
