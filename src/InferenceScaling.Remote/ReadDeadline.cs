namespace InferenceScaling.Remote;

/// <summary>
/// The read timeout of one attempt: a token that fires when no data came for the timeout (re-armed by
/// <see cref="Rearm"/> after each chunk) or when the caller cancels; tells a timeout from the caller's cancellation.
/// </summary>
internal sealed class ReadDeadline : IDisposable
{
    /// <summary>The timeout's own source (on the injected clock).</summary>
    private readonly CancellationTokenSource _timer;

    /// <summary>Timer and caller, linked.</summary>
    private readonly CancellationTokenSource _linked;

    private readonly TimeSpan _timeout;

    private readonly CancellationToken _caller;

    public ReadDeadline(TimeSpan timeout, TimeProvider time, CancellationToken caller)
    {
        _timeout = timeout;
        _caller = caller;
        _timer = new CancellationTokenSource(timeout, time);
        _linked = CancellationTokenSource.CreateLinkedTokenSource(_timer.Token, caller);
    }

    public CancellationToken Token => _linked.Token;

    /// <summary>Gives the next read the full timeout again.</summary>
    public void Rearm() => _timer.CancelAfter(_timeout);

    /// <summary>Whether <paramref name="e"/> comes from this deadline firing (not from the caller cancelling).</summary>
    public bool TimedOut(Exception e) =>
        e is OperationCanceledException or IOException or HttpRequestException && _timer.IsCancellationRequested && !_caller.IsCancellationRequested;

    public void Dispose()
    {
        _linked.Dispose();
        _timer.Dispose();
    }
}
