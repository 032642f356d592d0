using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using InferenceScaling.Runtime;
using InferenceScaling.Sampling;
using Microsoft.ML.OnnxRuntime;
using Trace = InferenceScaling.Sampling.Trace;

namespace InferenceScaling.Scheduling;

/// <summary>
/// Continuous batching: one decode loop owns one batch on the model and packs the traces of every concurrent request
/// into it. Requests wait in a bounded channel; each request's prompt is prefilled once (batch 1) and its rows join
/// the running batch between decode steps, up to <see cref="SchedulerOptions.MaxRows"/> and the KV budget; rows leave
/// the moment they finish, and every row of a request whose caller cancels or stops reading leaves at the next step.
/// </summary>
/// <remarks>
/// <para>Traces equal those of <see cref="OnnxTraceGenerator"/> for the same request: row i's random stream depends
/// only on (seed, <see cref="TraceRequest.FirstIndex"/> + i), never on what else shares the batch.</para>
/// <para>Fairness: requests are taken in arrival order and free rows are dealt round-robin among the waiting ones, so
/// a large request cannot hold back a small one. Per-trace cancellation (<see cref="TraceRequest.Control"/>) is seen
/// within one step, and rows already cancelled when their turn comes never join (a passed solver deadline costs no
/// decoding). Metrics are published on a <see cref="Meter"/> named <see cref="MeterName"/>.</para>
/// <para>Thread-safe: any number of callers may generate at once. The model is not owned. Dispose to stop the loop;
/// requests still running then fail with <see cref="ObjectDisposedException"/>.</para>
/// </remarks>
public sealed class ContinuousBatchScheduler : ITraceGenerator, IAsyncDisposable, IScoringAdmission
{
    /// <summary>Name of the meter the scheduler (and the server) publish on: <c>InferenceScaling</c>.</summary>
    public const string MeterName = "InferenceScaling";

    /// <summary>Weight of the newest step in the smoothed tokens-per-second figure.</summary>
    private const double RateSmoothing = 0.2;

    /// <summary>The model (not owned).</summary>
    private readonly DecoderModel _model;

    /// <summary>Settings.</summary>
    private readonly SchedulerOptions _options;

    /// <summary>Requests (traces to generate, continuations to score) waiting for admission. Bounded: a full queue makes library callers wait (back-pressure).</summary>
    private readonly Channel<Work> _queue;

    /// <summary>Stops the loop on dispose.</summary>
    private readonly CancellationTokenSource _shutdown = new();

    /// <summary>Opened by <see cref="Start"/>; the loop waits on it (tests start paused to line requests up deterministically).</summary>
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The decode loop's task.</summary>
    private readonly Task _running;

    /// <summary>Published metrics.</summary>
    private readonly Meter _meter;

    /// <summary>Counters mirrored into the meter.</summary>
    private readonly Counter<long> _stepsCounter, _sharedCounter, _tokensCounter;

    /// <summary>Waiters for <see cref="WaitForQueueLengthAsync"/>, guarded by itself.</summary>
    private readonly List<(int Count, TaskCompletionSource Signal)> _queueWaiters = [];

    // Loop-owned state below: only the decode loop touches it.

    /// <summary>The step loop (shared with <see cref="OnnxTraceGenerator"/>) and its batch.</summary>
    private readonly DecodeLoop _loop;

    /// <summary>What the loop does with rows that leave: bookkeeping for their job.</summary>
    private readonly RowSink _sink;

    /// <summary>Rows being admitted, reused.</summary>
    private readonly TraceRow[] _admitting;

    /// <summary>Requests taken from the queue with rows still to admit (or score), in arrival order.</summary>
    private readonly List<Work> _pending = [];

    /// <summary>Jobs with rows in the batch.</summary>
    private readonly List<Job> _active = [];

    /// <summary>Traces finished in the current step, handed out once the batch and counters are up to date.</summary>
    private readonly List<(Job Job, Trace Trace)> _finished = [];

    /// <summary>Optional test gate: the loop takes one permit before each decode step.</summary>
    private readonly SemaphoreSlim? _stepGate;

    /// <summary>KV tokens reserved by the rows in the batch.</summary>
    private long _reservedKv;

    // Shared counters, written by the loop with Interlocked/Volatile and read by any thread.
    private int _queued, _activeRows, _activeRequests, _maxShared;
    private long _steps, _sharedSteps, _tokens, _prefills, _completed, _abandoned, _scoringPasses, _scoredRows;
    private double _tokensPerSecond;
    private int _disposed;

    /// <summary>What ended the decode loop, set before the requests in flight are failed with it.</summary>
    private Exception? _fault;

    /// <summary>Creates the scheduler and starts its decode loop.</summary>
    /// <param name="model">The model (not owned; keep it alive until the scheduler is disposed).</param>
    /// <param name="options">Settings; default <see cref="SchedulerOptions"/>'s defaults.</param>
    public ContinuousBatchScheduler(DecoderModel model, SchedulerOptions? options = null)
        : this(model, options, startPaused: false)
    {
    }

    /// <summary>Creates the scheduler; with <paramref name="startPaused"/> the loop admits nothing until <see cref="Start"/>.</summary>
    internal ContinuousBatchScheduler(DecoderModel model, SchedulerOptions? options, bool startPaused, SemaphoreSlim? stepGate = null)
    {
        _stepGate = stepGate;
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        _options = options ?? new SchedulerOptions();
        _queue = Channel.CreateBounded<Work>(new BoundedChannelOptions(_options.QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
        var rows = _options.MaxRows;
        _loop = new DecodeLoop(model, Math.Min(rows, 8), 64);
        _sink = new RowSink(this);
        _admitting = new TraceRow[rows];

        _meter = new Meter(MeterName);
        _meter.CreateObservableGauge("inferencescaling.scheduler.queue_length", () => Volatile.Read(ref _queued), "{request}", "Requests waiting for admission to the decode batch.");
        _meter.CreateObservableGauge("inferencescaling.scheduler.active_rows", () => Volatile.Read(ref _activeRows), "{row}", "Rows (traces) in the decode batch.");
        _meter.CreateObservableGauge("inferencescaling.scheduler.active_requests", () => Volatile.Read(ref _activeRequests), "{request}", "Requests with rows in the decode batch.");
        _meter.CreateObservableGauge("inferencescaling.scheduler.tokens_per_second", () => Volatile.Read(ref _tokensPerSecond), "{token}/s", "Decoded tokens per second, smoothed over recent steps.");
        _stepsCounter = _meter.CreateCounter<long>("inferencescaling.scheduler.decode_steps", "{step}", "Decode steps run.");
        _sharedCounter = _meter.CreateCounter<long>("inferencescaling.scheduler.shared_steps", "{step}", "Decode steps whose rows came from two or more requests.");
        _tokensCounter = _meter.CreateCounter<long>("inferencescaling.scheduler.decoded_tokens", "{token}", "Tokens decoded (one per row per step).");

        if (!startPaused) _started.TrySetResult();
        _running = Task.Run(RunAsync, CancellationToken.None);
    }

    /// <summary>
    /// The exception that ended the decode loop, or null while it runs or after it was stopped by
    /// <see cref="DisposeAsync"/>. Set before the requests in flight fail with it, so a caller that sees a request
    /// fail can tell a dead loop from its own request's problem. A supervisor replaces a scheduler whose loop failed.
    /// </summary>
    public Exception? Fault => Volatile.Read(ref _fault);

    /// <summary>Completes (never faulted) when the decode loop has ended, stopped or failed (<see cref="Fault"/>).</summary>
    public Task Completion => _running;

    /// <summary>The model the scheduler runs.</summary>
    public DecoderModel Model => _model;

    /// <summary>The settings in use.</summary>
    public SchedulerOptions Options => _options;

    /// <summary>Requests waiting for their first row to join the batch.</summary>
    public int QueueLength => Volatile.Read(ref _queued);

    /// <summary>
    /// Whether the queue is at <see cref="SchedulerOptions.QueueCapacity"/>: a new request would wait. A server checks
    /// this to answer "too many requests" instead. A hint, not a reservation: another caller may fill the queue first.
    /// </summary>
    public bool IsQueueFull => Volatile.Read(ref _queued) >= _options.QueueCapacity;

    /// <summary>A snapshot of the counters. Thread-safe.</summary>
    public SchedulerStatistics Statistics => new()
    {
        QueueLength = Volatile.Read(ref _queued),
        ActiveRows = Volatile.Read(ref _activeRows),
        ActiveRequests = Volatile.Read(ref _activeRequests),
        DecodeSteps = Interlocked.Read(ref _steps),
        SharedSteps = Interlocked.Read(ref _sharedSteps),
        MaxRequestsInOneStep = Volatile.Read(ref _maxShared),
        DecodedTokens = Interlocked.Read(ref _tokens),
        Prefills = Interlocked.Read(ref _prefills),
        RequestsCompleted = Interlocked.Read(ref _completed),
        RequestsAbandoned = Interlocked.Read(ref _abandoned),
        TokensPerSecond = Volatile.Read(ref _tokensPerSecond),
        ScoringPasses = Interlocked.Read(ref _scoringPasses),
        ScoredContinuations = Interlocked.Read(ref _scoredRows),
    };

    /// <summary>The scorer <see cref="GetService"/> hands out (its passes go through this scheduler's admission), made on first request.</summary>
    private OnnxContinuationScorer? _scorer;

    /// <inheritdoc />
    public int CountTokens(string text) => _model.Tokenizer.Encode(text).Length;

    /// <inheritdoc />
    /// <remarks>Answers <see cref="DecoderModel"/>, <see cref="Tokenization.ModelTokenizer"/>,
    /// <see cref="IContinuationScorer"/> and <see cref="OnnxContinuationScorer"/> (one scorer over the same model,
    /// made on first request, whose passes queue here with the generation requests: they are admitted in arrival
    /// order against the same <see cref="SchedulerOptions.MaxRows"/> and KV budget and run on the decode loop's
    /// thread between steps, so scoring and decoding never run on the model at once), and this generator itself.</remarks>
    public object? GetService(Type serviceType, object? serviceKey = null) =>
        OnnxTraceGenerator.GetModelService(serviceType, serviceKey, this, _model, ref _scorer,
            () => new OnnxContinuationScorer(_model, _options.MaxRows, this));

    /// <inheritdoc />
    async Task<ContinuationScore[]> IScoringAdmission.ScoreAsync(ScoringWork work, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var job = new ScoreJob(work, cancellationToken);
        await EnqueueAsync(job, cancellationToken).ConfigureAwait(false);
        // Cancelling drops the job from the queue at the loop's next look; a pass already running finishes first.
        using var registration = cancellationToken.Register(static o => ((ScoreJob)o!).Cancel(), job);
        return await job.Completion.Task.ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Waits while the queue is full. Stopping the enumeration early (or cancelling) frees the request's rows at the
    /// next decode step. Throws <see cref="ObjectDisposedException"/> when the scheduler is or gets disposed.
    /// </remarks>
    public async IAsyncEnumerable<Trace> GenerateAsync(TraceRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var prompt = DecodePlan.Encode(_model, request);
        var job = new Job(prompt, new DecodePlan(_model, request, prompt.Length));
        job.Plan.Owner = job;
        await EnqueueAsync(job, cancellationToken).ConfigureAwait(false);
        try
        {
            await foreach (var trace in job.Output.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                yield return trace;
        }
        finally
        {
            // Completed jobs ignore this; otherwise the loop drops the job's rows at its next step.
            job.Abandon();
        }
    }

    /// <summary>Stops the decode loop. Requests still queued or running fail with <see cref="ObjectDisposedException"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _queue.Writer.TryComplete();
        await _shutdown.CancelAsync().ConfigureAwait(false);
        _started.TrySetResult();
        await _running.ConfigureAwait(false);
        _loop.Dispose();
        _shutdown.Dispose();
        _meter.Dispose();
    }

    /// <summary>Lets a scheduler created paused start admitting.</summary>
    internal void Start() => _started.TrySetResult();

    /// <summary>Completes once at least <paramref name="count"/> requests are waiting (test hook; no polling).</summary>
    internal Task WaitForQueueLengthAsync(int count)
    {
        lock (_queueWaiters)
        {
            if (Volatile.Read(ref _queued) >= count) return Task.CompletedTask;
            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _queueWaiters.Add((count, signal));
            return signal.Task;
        }
    }

    private async Task EnqueueAsync(Work job, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _queued);
        try
        {
            await _queue.Writer.WriteAsync(job, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException ex)
        {
            Interlocked.Decrement(ref _queued);
            throw new ObjectDisposedException("The scheduler was shut down.", ex);
        }
        catch
        {
            Interlocked.Decrement(ref _queued);
            throw;
        }

        lock (_queueWaiters)
        {
            var queued = Volatile.Read(ref _queued);
            for (var i = _queueWaiters.Count - 1; i >= 0; i--)
            {
                if (_queueWaiters[i].Count > queued) continue;
                _queueWaiters[i].Signal.TrySetResult();
                _queueWaiters.RemoveAt(i);
            }
        }
    }

    private async Task RunAsync()
    {
        var shutdown = _shutdown.Token;
        Exception? failure = null;
        using var runOptions = new RunOptions();
        try
        {
            await _started.Task.ConfigureAwait(false);
            while (!shutdown.IsCancellationRequested)
            {
                // Idle: wait for work without holding a thread.
                if (_loop.Rows == 0 && _pending.Count == 0 && !await _queue.Reader.WaitToReadAsync(shutdown).ConfigureAwait(false)) break;
                Admit(runOptions);
                if (_loop.Rows == 0) continue;
                if (_stepGate is not null) await _stepGate.WaitAsync(shutdown).ConfigureAwait(false);
                Step(runOptions);
            }
        }
        catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            // A failed step leaves the batch in an unknown state: fail every request rather than guess.
            failure = ex;
            Volatile.Write(ref _fault, ex);
        }
        finally
        {
            var reason = failure ?? new ObjectDisposedException(nameof(ContinuousBatchScheduler), "The scheduler was shut down before the request finished.");
            foreach (var job in _active) job.Fail(reason);
            foreach (var job in _pending)
            {
                LeaveQueue(job);
                job.Fail(reason);
            }

            _queue.Writer.TryComplete();
            while (_queue.Reader.TryRead(out var job))
            {
                Interlocked.Decrement(ref _queued);
                job.Fail(reason);
            }

            Volatile.Write(ref _activeRows, 0);
            Volatile.Write(ref _activeRequests, 0);
        }
    }

    /// <summary>
    /// Takes new requests and deals free rows round-robin over the waiting ones: generation rows join the batch
    /// (first-timers are prefilled), scoring rows run their pass at once and leave.
    /// </summary>
    private void Admit(RunOptions runOptions)
    {
        var free = _options.MaxRows - _loop.Rows;
        // Read from the channel only while rows are free: the rest stay queued, so the bounded channel pushes back.
        while (_pending.Count < free && _queue.Reader.TryRead(out var job))
        {
            if (job.IsAbandoned)
            {
                DropPending(job);
                continue;
            }

            _pending.Add(job);
        }

        if (_pending.Count == 0 || free == 0) return;
        var cap = _options.EffectiveMaxRowsPerRequest;
        var budget = _options.MaxKvTokens;
        var reserved = _reservedKv;
        var rows = _loop.Rows;
        foreach (var job in _pending) job.Grant = 0;
        var granted = true;
        var blocked = false;
        while (granted && free > 0 && !blocked)
        {
            granted = false;
            foreach (var job in _pending)
            {
                if (free == 0) break;
                if (job.IsAbandoned || job.Admitted + job.Grant >= job.Count || job.Grant >= job.RowLimit(cap)) continue;
                var cost = job.RowCost(job.Admitted + job.Grant);
                if (budget is { } b && rows > 0 && reserved + cost > b)
                {
                    // Strict order at the budget: nobody overtakes the request that does not fit.
                    blocked = true;
                    break;
                }

                job.Grant++;
                reserved += cost;
                rows++;
                free--;
                granted = true;
            }
        }

        for (var i = 0; i < _pending.Count; i++)
        {
            var job = _pending[i];
            if (job.IsAbandoned)
            {
                DropPending(job);
                _pending.RemoveAt(i--);
                continue;
            }

            if (job.Grant > 0)
            {
                if (job is Job decode) AdmitRows(decode, runOptions);
                else RunScorePass((ScoreJob)job, runOptions);
            }

            if (job.Admitted == job.Count || job.IsFinished)
            {
                // Every row has joined (or been cancelled before joining): the forked cache is no longer needed.
                if (job is Job decode) decode.Prefilled = null;
                LeaveQueue(job);
                _pending.RemoveAt(i--);
            }
        }
    }

    private void AdmitRows(Job job, RunOptions runOptions)
    {
        var plan = job.Plan;
        var control = plan.Control;
        // Rows cancelled before their turn (a decided vote, a passed deadline) are answered at once, undecoded.
        while (job.Grant > 0 && control is not null && control.IsCancelled(job.Request.FirstIndex + job.Admitted))
        {
            var row = plan.CreateRow(job.Request.FirstIndex + job.Admitted++);
            job.Grant--;
            Deliver(job, row.ToTrace(FinishReason.Cancelled, TimeSpan.Zero));
        }

        if (job.Grant == 0) return;
        if (job.Prefilled is null)
        {
            var clock = Stopwatch.StartNew();
            try
            {
                job.Prefilled = _loop.Prefill(job.Prompt, _options.PrefillChunkTokens, runOptions);
            }
            catch (OnnxRuntimeException ex)
            {
                // One prompt's failure is that request's problem; the batch is untouched (prefill runs at batch 1).
                job.Output.Writer.TryComplete(ex);
                job.Admitted = job.Count;
                job.Grant = 0;
                return;
            }

            plan.PrefillTime = clock.Elapsed;
            job.DecodeStart = Stopwatch.GetTimestamp();
            Interlocked.Increment(ref _prefills);
            LeaveQueue(job);
        }

        for (var r = 0; r < job.Grant; r++)
        {
            _admitting[r] = plan.CreateRow(job.Request.FirstIndex + job.Admitted++);
            _reservedKv += plan.PromptTokens + plan.MaxLength;
        }

        _loop.Admit(job.Prefilled, _admitting.AsSpan(0, job.Grant));
        Array.Clear(_admitting, 0, job.Grant);

        if (job.Active == 0) _active.Add(job);
        job.Active += job.Grant;
        job.Grant = 0;
        Volatile.Write(ref _activeRows, _loop.Rows);
        Volatile.Write(ref _activeRequests, _active.Count);
    }

    /// <summary>Runs one scoring pass over the job's granted rows; the rows leave with it, and the last pass answers the caller.</summary>
    private void RunScorePass(ScoreJob job, RunOptions runOptions)
    {
        LeaveQueue(job);
        try
        {
            job.Work.RunPass(job.Grant, runOptions);
        }
        catch (OnnxRuntimeException ex)
        {
            // One call's failure is that caller's problem; the batch is untouched (the pass shares none of its state).
            job.Fail(ex);
            job.Admitted = job.Count;
            job.Grant = 0;
            return;
        }

        Interlocked.Increment(ref _scoringPasses);
        Interlocked.Add(ref _scoredRows, job.Grant);
        job.Admitted += job.Grant;
        job.Grant = 0;
        if (job.Admitted == job.Count) job.Completion.TrySetResult(job.Work.Results);
    }

    /// <summary>Samples every row, lets finished and abandoned rows leave, and runs one decode step for the rest.</summary>
    private void Step(RunOptions runOptions)
    {
        foreach (var job in _active)
        {
            var control = job.Plan.Control;
            job.CheckControl = false;
            if (control is null) continue;
            var version = control.Version;
            job.CheckControl = version != job.ControlVersion;
            job.ControlVersion = version;
        }

        if (_loop.Sample(_sink))
        {
            for (var i = _active.Count - 1; i >= 0; i--)
            {
                var job = _active[i];
                if (job.Active > 0) continue;
                _active.RemoveAt(i);
                if (job.IsAbandoned) CountAbandoned(job);
            }

            Volatile.Write(ref _activeRows, _loop.Rows);
            Volatile.Write(ref _activeRequests, _active.Count);
            // Only now: a caller that sees its last trace also sees its rows gone from the batch and the counters.
            foreach (var (job, trace) in _finished) Deliver(job, trace);
            _finished.Clear();
        }

        var rows = _loop.Rows;
        if (rows == 0) return;
        var started = Stopwatch.GetTimestamp();
        _loop.Run(runOptions);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;

        Interlocked.Increment(ref _steps);
        Interlocked.Add(ref _tokens, rows);
        _stepsCounter.Add(1);
        _tokensCounter.Add(rows);
        var sharing = _active.Count;
        if (sharing > 1)
        {
            Interlocked.Increment(ref _sharedSteps);
            _sharedCounter.Add(1);
        }

        if (sharing > Volatile.Read(ref _maxShared)) Volatile.Write(ref _maxShared, sharing);
        if (seconds > 0)
        {
            var rate = rows / seconds;
            var old = Volatile.Read(ref _tokensPerSecond);
            Volatile.Write(ref _tokensPerSecond, old == 0 ? rate : old + RateSmoothing * (rate - old));
        }
    }

    /// <summary>Hands a finished trace to its request; completes the request with its last trace.</summary>
    private void Deliver(Job job, Trace trace)
    {
        job.Delivered++;
        job.Output.Writer.TryWrite(trace);
        if (job.Delivered < job.Count) return;
        job.Output.Writer.TryComplete();
        Interlocked.Increment(ref _completed);
    }

    /// <summary>Forgets a pending job whose caller left.</summary>
    private void DropPending(Work job)
    {
        LeaveQueue(job);
        CountAbandoned(job);
        job.Dropped();
    }

    /// <summary>Takes a job off the queue-length figure, once.</summary>
    private void LeaveQueue(Work job)
    {
        if (job.LeftQueue) return;
        job.LeftQueue = true;
        Interlocked.Decrement(ref _queued);
    }

    /// <summary>Counts an abandoned job, once.</summary>
    private void CountAbandoned(Work job)
    {
        if (job.AbandonCounted) return;
        job.AbandonCounted = true;
        Interlocked.Increment(ref _abandoned);
    }

    /// <summary>The loop's rows belong to jobs: abandoned jobs drop theirs, and a row that leaves settles its job's counts.</summary>
    private sealed class RowSink(ContinuousBatchScheduler owner) : DecodeLoop.IRowSink
    {
        public bool CheckControl(TraceRow row) => ((Job)row.Plan.Owner!).CheckControl;

        public bool Drops(TraceRow row) => ((Job)row.Plan.Owner!).IsAbandoned;

        public void Left(TraceRow row, FinishReason? reason)
        {
            var job = (Job)row.Plan.Owner!;
            job.Active--;
            owner._reservedKv -= row.Plan.PromptTokens + row.Plan.MaxLength;
            // Handed out once the batch and counters are up to date (see Step).
            if (reason is { } r) owner._finished.Add((job, row.ToTrace(r, Stopwatch.GetElapsedTime(job.DecodeStart))));
        }
    }

    /// <summary>
    /// One request waiting for rows: traces to generate (<see cref="Job"/>) or continuations to score
    /// (<see cref="ScoreJob"/>). Mutable fields are touched only by the decode loop, except the caller's abandon flag.
    /// </summary>
    private abstract class Work
    {
        /// <summary>Rows the request needs in all.</summary>
        public abstract int Count { get; }

        /// <summary>Whether the caller left (or cancelled) before the request finished.</summary>
        public abstract bool IsAbandoned { get; }

        /// <summary>Whether the request is answered in full.</summary>
        public abstract bool IsFinished { get; }

        /// <summary>Whether the job no longer counts as queued (it prefilled or ran a pass, finished, or was dropped).</summary>
        public bool LeftQueue { get; set; }

        public bool AbandonCounted { get; set; }

        /// <summary>Rows that joined the batch, were scored, or were answered as cancelled before joining.</summary>
        public int Admitted { get; set; }

        /// <summary>Rows granted in the current admission round.</summary>
        public int Grant { get; set; }

        /// <summary>Most rows this round may grant, under the per-request cap <paramref name="cap"/>.</summary>
        public abstract int RowLimit(int cap);

        /// <summary>KV tokens row <paramref name="row"/> reserves while it is in the batch (or in its pass).</summary>
        public abstract long RowCost(int row);

        /// <summary>Fails the request with <paramref name="reason"/> (the loop died or the scheduler shut down).</summary>
        public abstract void Fail(Exception reason);

        /// <summary>The loop let go of the abandoned request.</summary>
        public abstract void Dropped();
    }

    /// <summary>Continuations to score: each pass takes the rows it is granted, runs at once and leaves.</summary>
    private sealed class ScoreJob(ScoringWork work, CancellationToken cancellationToken) : Work
    {
        public ScoringWork Work { get; } = work;

        /// <summary>Answered by the decode loop; continuations run asynchronously so the loop never runs a caller's code.</summary>
        public TaskCompletionSource<ContinuationScore[]> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override int Count => Work.Count;

        // Cancelled even after the caller was answered (cancelled): a job the loop still holds must never get rows.
        public override bool IsAbandoned => cancellationToken.IsCancellationRequested;

        public override bool IsFinished => Completion.Task.IsCompleted;

        // A pass is one forward run: the scorer's own per-pass limit (rows, logits memory) bounds it too.
        public override int RowLimit(int cap) => Math.Min(cap, Work.NextPassLimit);

        public override long RowCost(int row) => Work.TokensOf(row);

        public override void Fail(Exception reason) => Completion.TrySetException(reason);

        public override void Dropped() => Cancel();

        /// <summary>The caller cancelled: answered at once; the loop drops the job at its next look.</summary>
        public void Cancel() => Completion.TrySetCanceled(cancellationToken);
    }

    /// <summary>Traces to generate: its rows join the batch and leave as they finish.</summary>
    private sealed class Job(int[] prompt, DecodePlan plan) : Work
    {
        /// <summary>Set by the caller's thread when it stops reading.</summary>
        private volatile bool _abandoned;

        public int[] Prompt { get; } = prompt;

        public DecodePlan Plan { get; } = plan;

        public TraceRequest Request => Plan.Request;

        public override int Count => Plan.Request.Count;

        /// <summary>Traces go to the caller here; unbounded because a request has at most <see cref="Count"/>.</summary>
        public Channel<Trace> Output { get; } = Channel.CreateUnbounded<Trace>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

        public PrefilledPrompt? Prefilled { get; set; }

        public long DecodeStart { get; set; }

        /// <summary>Rows now in the batch.</summary>
        public int Active { get; set; }

        /// <summary>Traces handed to the caller.</summary>
        public int Delivered { get; set; }

        public override bool IsFinished => Delivered >= Count;

        public int ControlVersion { get; set; } = -1;

        public bool CheckControl { get; set; }

        public override bool IsAbandoned => _abandoned && !IsFinished;

        public void Abandon() => _abandoned = true;

        public override int RowLimit(int cap) => cap - Active;

        public override long RowCost(int row) => Plan.PromptTokens + Plan.MaxLength;

        public override void Fail(Exception reason) => Output.Writer.TryComplete(reason);

        public override void Dropped() => Prefilled = null;
    }
}
