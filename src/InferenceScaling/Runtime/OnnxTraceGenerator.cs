using System.Diagnostics;
using Trace = InferenceScaling.Sampling.Trace;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using InferenceScaling.Sampling;
using Microsoft.ML.OnnxRuntime;

namespace InferenceScaling.Runtime;

/// <summary>
/// Generates traces with a <see cref="DecoderModel"/>: the prompt is prefilled once at batch 1, its KV cache is forked
/// into one row per trace, and all rows decode together step by step; a row that finishes leaves the batch at once.
/// </summary>
/// <remarks>
/// Thread-safe: concurrent requests each run their own decode loop on the shared session (the scheduler in
/// <c>Scheduling/</c> packs them into one batch instead). The model is not owned: dispose it yourself.
/// </remarks>
public sealed class OnnxTraceGenerator : ITraceGenerator, IDisposable
{
    /// <summary>The model (not owned).</summary>
    private readonly DecoderModel _model;

    /// <summary>Prefill chunk size.</summary>
    private readonly int _prefillChunk;

    /// <summary>One idle loop kept for reuse, so a sweep does not reallocate KV buffers per problem.</summary>
    private DecodeLoop? _idle;

    /// <summary>Creates a generator over <paramref name="model"/>.</summary>
    public OnnxTraceGenerator(DecoderModel model, int prefillChunkTokens = 512)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(prefillChunkTokens, 1);
        _model = model;
        _prefillChunk = prefillChunkTokens;
    }

    /// <summary>Releases the idle batch kept for reuse (its native bindings). The model is not disposed.</summary>
    public void Dispose() => Interlocked.Exchange(ref _idle, null)?.Dispose();

    /// <summary>The model this generator runs.</summary>
    public DecoderModel Model => _model;

    /// <summary>The scorer <see cref="GetService"/> hands out, made on first request.</summary>
    private OnnxContinuationScorer? _scorer;

    /// <inheritdoc />
    public int CountTokens(string text) => _model.Tokenizer.Encode(text).Length;

    /// <inheritdoc />
    /// <remarks>Answers <see cref="DecoderModel"/>, <see cref="Tokenization.ModelTokenizer"/> and
    /// <see cref="IContinuationScorer"/> (one <see cref="OnnxContinuationScorer"/> over the same model, made on first
    /// request), and this generator itself.</remarks>
    public object? GetService(Type serviceType, object? serviceKey = null) =>
        GetModelService(serviceType, serviceKey, this, _model, ref _scorer, () => new OnnxContinuationScorer(_model));

    /// <summary>
    /// <see cref="ITraceGenerator.GetService"/> for a generator over <paramref name="model"/> (this one and the
    /// scheduler): <paramref name="generator"/> itself, the model, its tokenizer, and the scorer in
    /// <paramref name="scorer"/>, made by <paramref name="makeScorer"/> on first request (thread-safe).
    /// </summary>
    internal static object? GetModelService(Type serviceType, object? serviceKey, ITraceGenerator generator, DecoderModel model,
        ref OnnxContinuationScorer? scorer, Func<OnnxContinuationScorer> makeScorer)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null) return null;
        if (serviceType.IsInstanceOfType(generator)) return generator;
        if (serviceType == typeof(DecoderModel)) return model;
        if (serviceType == typeof(Tokenization.ModelTokenizer)) return model.Tokenizer;
        if (serviceType == typeof(IContinuationScorer) || serviceType == typeof(OnnxContinuationScorer))
            return LazyInitializer.EnsureInitialized(ref scorer, makeScorer);
        return null;
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<Trace> GenerateAsync(TraceRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var prompt = DecodePlan.Encode(_model, request);
        var channel = Channel.CreateUnbounded<Trace>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // The loop is synchronous native work: run it off the caller's thread so traces stream out as rows finish.
        var loop = Task.Run(() => Decode(prompt, request, channel.Writer, stop.Token), CancellationToken.None);
        try
        {
            await foreach (var trace in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                yield return trace;
        }
        finally
        {
            // A consumer that stops early (break, or a decided vote) stops the loop too.
            await stop.CancelAsync().ConfigureAwait(false);
            try { await loop.ConfigureAwait(false); }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested) { }
        }
    }

    private void Decode(int[] prompt, TraceRequest request, ChannelWriter<Trace> writer, CancellationToken cancellationToken)
    {
        Exception? failure = null;
        var loop = Interlocked.Exchange(ref _idle, null);
        try
        {
            var plan = new DecodePlan(_model, request, prompt.Length);
            loop ??= new DecodeLoop(_model, request.Count, prompt.Length + plan.MaxLength);
            loop.Clear();
            using var runOptions = new RunOptions();
            // Cancellation inside a run: ONNX Runtime checks Terminate between kernels.
            using var registration = cancellationToken.Register(static o => ((RunOptions)o!).Terminate = true, runOptions);

            var clock = Stopwatch.StartNew();
            var prefilled = loop.Prefill(prompt, _prefillChunk, runOptions);
            plan.PrefillTime = clock.Elapsed;
            var rows = new TraceRow[request.Count];
            for (var r = 0; r < rows.Length; r++) rows[r] = plan.CreateRow(request.FirstIndex + r);
            loop.Admit(prefilled, rows);
            var sink = new ChannelSink(writer, request.Control, clock);
            clock.Restart();

            while (loop.Rows > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                sink.BeginStep();
                loop.Sample(sink);
                loop.Run(runOptions);
            }
        }
        catch (OnnxRuntimeException) when (cancellationToken.IsCancellationRequested)
        {
            failure = new OperationCanceledException(cancellationToken);
        }
        catch (Exception ex)
        {
            failure = ex;
        }
        finally
        {
            writer.TryComplete(failure);
            // Keep one idle batch for the next request; a second one (concurrent requests) is let go.
            if (loop is not null && Interlocked.CompareExchange(ref _idle, loop, null) is not null) loop.Dispose();
        }
    }

    /// <summary>One request's rows: finished traces go to the channel; the control is read once per step when it changed.</summary>
    private sealed class ChannelSink(ChannelWriter<Trace> writer, TraceControl? control, Stopwatch clock) : DecodeLoop.IRowSink
    {
        /// <summary>The control's version when it was last read.</summary>
        private int _version = -1;

        /// <summary>Whether the control changed since the previous step.</summary>
        private bool _check;

        public void BeginStep()
        {
            _check = control is not null && control.Version != _version;
            if (_check) _version = control!.Version;
        }

        public bool CheckControl(TraceRow row) => _check;

        public bool Drops(TraceRow row) => false;

        public void Left(TraceRow row, FinishReason? reason) => writer.TryWrite(row.ToTrace(reason!.Value, clock.Elapsed));
    }
}
