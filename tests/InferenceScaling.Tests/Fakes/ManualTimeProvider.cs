namespace InferenceScaling.Tests.Fakes;

/// <summary>
/// A clock that moves only when told (<see cref="Advance"/>), firing due timers synchronously, and lets a test wait until
/// code under test has started a timer of a given length (<see cref="TimerStarted"/>: a backoff delay, a read timeout)
/// before moving it. No sleeps.
/// </summary>
public sealed class ManualTimeProvider : TimeProvider
{
    private readonly object _lock = new();
    private readonly List<ManualTimer> _timers = [];
    private readonly List<(TimeSpan Due, TaskCompletionSource Seen)> _waiters = [];
    private DateTimeOffset _now = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private long _ticks;

    public override DateTimeOffset GetUtcNow() { lock (_lock) return _now; }

    public override long GetTimestamp() { lock (_lock) return _ticks; }

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    /// <summary>The due times of every finite timer started or changed so far, in order.</summary>
    public List<TimeSpan> Started { get; } = [];

    /// <summary>Completes once a timer due in <paramref name="due"/> was started (now or earlier).</summary>
    public Task TimerStarted(TimeSpan due)
    {
        lock (_lock)
        {
            if (Started.Contains(due)) return Task.CompletedTask;
            var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((due, tcs));
            return tcs.Task;
        }
    }

    public void Advance(TimeSpan by)
    {
        List<ManualTimer> due;
        lock (_lock)
        {
            _now += by;
            _ticks += by.Ticks;
            due = _timers.FindAll(t => t.DueAt <= _ticks);
            foreach (var t in due) _timers.Remove(t);
        }

        foreach (var t in due) t.Fire();
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ManualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    private void Note(TimeSpan due)
    {
        List<TaskCompletionSource> seen = [];
        lock (_lock)
        {
            Started.Add(due);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Due != due) continue;
                seen.Add(_waiters[i].Seen);
                _waiters.RemoveAt(i);
            }
        }

        foreach (var s in seen) s.TrySetResult();
    }

    private sealed class ManualTimer(ManualTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        public long DueAt { get; private set; }

        public void Fire() => callback(state);

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (owner._lock)
            {
                owner._timers.Remove(this);
                if (dueTime == Timeout.InfiniteTimeSpan) return true;
                DueAt = owner._ticks + dueTime.Ticks;
                owner._timers.Add(this);
            }

            owner.Note(dueTime);
            return true;
        }

        public void Dispose() { lock (owner._lock) owner._timers.Remove(this); }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
