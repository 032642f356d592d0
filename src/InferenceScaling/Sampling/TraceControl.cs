namespace InferenceScaling.Sampling;

/// <summary>
/// Lets a caller stop single traces of a running request while the others go on (early-stopped votes, DeepConf
/// online filtering). Thread-safe: <see cref="Cancel"/> may be called from any thread; the decode loop sees it at its
/// next step.
/// </summary>
public sealed class TraceControl
{
    /// <summary>Cancelled row indices (<see cref="Trace.Index"/>), set once and never cleared.</summary>
    private readonly HashSet<int> _cancelled = [];

    /// <summary>Set by <see cref="CancelAll"/>: every row, present and future, is cancelled.</summary>
    private volatile bool _all;

    /// <summary>Bumped on every change so the decode loop can skip the lock when nothing changed.</summary>
    private int _version;

    /// <summary>Cancelled by <see cref="CancelAll"/> (it holds no timer, so nothing to dispose).</summary>
    private readonly CancellationTokenSource _allCancelled = new();

    /// <summary>Cancelled once <see cref="CancelAll"/> is called: lets a generator that waits (not a stepping decode loop) wake for it.</summary>
    internal CancellationToken AllCancelled => _allCancelled.Token;

    /// <summary>
    /// DeepConf online: stop a trace once the mean confidence of its last <see cref="ConfidenceWindow"/> tokens falls
    /// below this. Null (default) turns it off.
    /// </summary>
    public double? MinWindowConfidence { get; set; }

    /// <summary>Tokens in the sliding window that <see cref="MinWindowConfidence"/> is tested on. Default 8.</summary>
    public int ConfidenceWindow { get; set; } = 8;

    /// <summary>Stops the trace with this index at the next step (no effect once it has finished).</summary>
    public void Cancel(int index)
    {
        lock (_cancelled) _cancelled.Add(index);
        Interlocked.Increment(ref _version);
    }

    /// <summary>Stops every trace of the request at the next step.</summary>
    public void CancelAll()
    {
        _all = true;
        Interlocked.Increment(ref _version);
        _allCancelled.Cancel();
    }

    /// <summary>A number that changes whenever a trace is cancelled; lets a loop poll cheaply.</summary>
    public int Version => Volatile.Read(ref _version);

    /// <summary>Whether the trace with this index has been cancelled.</summary>
    public bool IsCancelled(int index)
    {
        if (_all) return true;
        lock (_cancelled) return _cancelled.Contains(index);
    }
}
