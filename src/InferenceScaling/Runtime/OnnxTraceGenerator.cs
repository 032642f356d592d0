using System.Diagnostics;
using Trace = InferenceScaling.Sampling.Trace;
using System.Runtime.CompilerServices;
using System.Text;
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
public sealed class OnnxTraceGenerator : ITraceGenerator
{
    /// <summary>The model (not owned).</summary>
    private readonly DecoderModel _model;

    /// <summary>Prefill chunk size.</summary>
    private readonly int _prefillChunk;

    /// <summary>One idle batch kept for reuse, so a sweep does not reallocate KV buffers per problem.</summary>
    private DecodeBatch? _idle;

    /// <summary>Creates a generator over <paramref name="model"/>.</summary>
    public OnnxTraceGenerator(DecoderModel model, int prefillChunkTokens = 512)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(prefillChunkTokens, 1);
        _model = model;
        _prefillChunk = prefillChunkTokens;
    }

    /// <summary>The model this generator runs.</summary>
    public DecoderModel Model => _model;

    /// <inheritdoc />
    public int CountTokens(string text) => _model.Tokenizer.Encode(text).Length;

    /// <inheritdoc />
    public async IAsyncEnumerable<Trace> GenerateAsync(TraceRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var prompt = Prepare(request);
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

    /// <summary>Generates all traces and returns them in index order (a convenience over <see cref="GenerateAsync"/>).</summary>
    public async Task<IReadOnlyList<Trace>> GenerateAllAsync(TraceRequest request, CancellationToken cancellationToken = default)
    {
        var list = new List<Trace>(request.Count);
        await foreach (var t in GenerateAsync(request, cancellationToken).ConfigureAwait(false)) list.Add(t);
        list.Sort((a, b) => a.Index.CompareTo(b.Index));
        return list;
    }

    private int[] Prepare(TraceRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrEmpty(request.Prompt)) throw new ArgumentException("The prompt is empty.", nameof(request));
        if (request.Count < 1) throw new ArgumentException($"Count must be ≥ 1 (was {request.Count}).", nameof(request));
        if (request.FirstIndex < 0) throw new ArgumentException($"FirstIndex must be ≥ 0 (was {request.FirstIndex}).", nameof(request));
        request.Sampling.Validate();
        var ids = _model.Tokenizer.Encode(request.Prompt);
        if (ids.Length == 0) throw new ArgumentException("The prompt encodes to no tokens.", nameof(request));
        var context = _model.Signature.ContextLength;
        if (ids.Length >= context)
            throw new ArgumentException($"The prompt is {ids.Length} tokens; the model's context is {context}, leaving no room to generate.", nameof(request));
        return ids;
    }

    private void Decode(int[] prompt, TraceRequest request, ChannelWriter<Trace> writer, CancellationToken cancellationToken)
    {
        Exception? failure = null;
        var batch = Interlocked.Exchange(ref _idle, null);
        try
        {
            var sig = _model.Signature;
            var options = request.Sampling;
            var maxTokens = Math.Min(options.MaxTokens, sig.ContextLength - prompt.Length);
            batch ??= new DecodeBatch(_model, request.Count, prompt.Length + maxTokens);
            batch.Clear();
            using var runOptions = new RunOptions();
            // Cancellation inside a run: ONNX Runtime checks Terminate between kernels.
            using var registration = cancellationToken.Register(static o => ((RunOptions)o!).Terminate = true, runOptions);

            var clock = Stopwatch.StartNew();
            var prefilled = batch.Prefill(prompt, _prefillChunk, runOptions);
            var prefillTime = clock.Elapsed;
            batch.Admit(prefilled, request.Count);

            var rows = new RowState[request.Count];
            for (var r = 0; r < rows.Length; r++) rows[r] = new RowState(request.FirstIndex + r, options.Seed, maxTokens, options.TopLogProbs);
            var pieces = options.StopStrings.Count > 0 ? _model.Tokenizer.Pieces(sig.VocabularySize) : null;
            var maxStop = 0;
            foreach (var s in options.StopStrings) maxStop = Math.Max(maxStop, s.Length);

            var sampler = new TokenSampler(sig.VocabularySize);
            var next = new int[rows.Length];
            var keep = new bool[rows.Length];
            var control = request.Control;
            var controlVersion = -1;
            var window = control?.ConfidenceWindow ?? 8;
            clock.Restart();

            while (batch.Rows > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var count = batch.Rows;
                var anyFinished = false;
                var checkControl = control is not null && control.Version != controlVersion;
                if (checkControl) controlVersion = control!.Version;
                var minConfidence = control?.MinWindowConfidence;

                for (var r = 0; r < count; r++)
                {
                    var row = rows[r];
                    keep[r] = true;
                    if (checkControl && control!.IsCancelled(row.Index))
                    {
                        row.Finish = FinishReason.Cancelled;
                    }
                    else
                    {
                        var top = row.Top is null ? Span<TokenLogProb>.Empty : row.Top[row.Count].AsSpan();
                        var token = sampler.Sample(batch.LogitsOf(r), options, ref row.Random, out var logProb, out var confidence, top);
                        row.Steps++;
                        if (!options.IgnoreEndOfSequence && sig.EndOfSequenceIds.Contains(token))
                        {
                            row.Finish = FinishReason.EndOfSequence;
                        }
                        else
                        {
                            row.Tokens[row.Count] = token;
                            row.LogProbs[row.Count] = logProb;
                            row.Confidences[row.Count] = confidence;
                            row.Count++;
                            next[r] = token;
                            if (pieces is not null && row.HitsStop(pieces[token], options.StopStrings, maxStop)) row.Finish = FinishReason.StopString;
                            else if (row.Count >= maxTokens) row.Finish = FinishReason.Length;
                            else if (minConfidence is { } min && row.WindowConfidenceBelow(confidence, window, min)) row.Finish = FinishReason.LowConfidence;
                        }
                    }

                    if (row.Finish is { } reason)
                    {
                        keep[r] = false;
                        anyFinished = true;
                        writer.TryWrite(row.ToTrace(_model, reason, prompt.Length, options.StopStrings, prefillTime, clock.Elapsed));
                    }
                }

                if (anyFinished)
                {
                    var j = 0;
                    for (var r = 0; r < count; r++)
                    {
                        if (!keep[r]) continue;
                        rows[j] = rows[r];
                        next[j] = next[r];
                        j++;
                    }

                    batch.Remove(keep.AsSpan(0, count));
                    if (batch.Rows == 0) break;
                }

                batch.Step(next.AsSpan(0, batch.Rows), runOptions);
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
            if (batch is not null) Interlocked.CompareExchange(ref _idle, batch, null);
        }
    }

    /// <summary>One trace being decoded: buffers sized for its token limit, allocated once when it joins.</summary>
    private sealed class RowState
    {
        public readonly int Index;
        public RowRandom Random;
        public readonly int[] Tokens;
        public readonly float[] LogProbs;
        public readonly float[] Confidences;
        public readonly TokenLogProb[][]? Top;
        public int Count;
        public int Steps;
        public FinishReason? Finish;
        private StringBuilder? _text;
        private double _windowSum;

        public RowState(int index, ulong seed, int maxTokens, int topLogProbs)
        {
            Index = index;
            Random = new RowRandom(seed, index);
            Tokens = new int[maxTokens];
            LogProbs = new float[maxTokens];
            Confidences = new float[maxTokens];
            if (topLogProbs > 0)
            {
                Top = new TokenLogProb[maxTokens + 1][];
                for (var i = 0; i < Top.Length; i++) Top[i] = new TokenLogProb[topLogProbs];
            }
        }

        public bool HitsStop(string piece, IReadOnlyList<string> stops, int maxStop)
        {
            _text ??= new StringBuilder();
            _text.Append(piece);
            var from = Math.Max(0, _text.Length - piece.Length - maxStop);
            for (var s = 0; s < stops.Count; s++)
            {
                var stop = stops[s];
                for (var i = from; i + stop.Length <= _text.Length; i++)
                {
                    var match = true;
                    for (var c = 0; c < stop.Length && match; c++) match = _text[i + c] == stop[c];
                    if (match) return true;
                }
            }

            return false;
        }

        public bool WindowConfidenceBelow(float confidence, int window, double min)
        {
            _windowSum += confidence;
            if (Count > window) _windowSum -= Confidences[Count - 1 - window];
            return Count >= window && _windowSum / window < min;
        }

        public Trace ToTrace(DecoderModel model, FinishReason reason, int promptTokens, IReadOnlyList<string> stops, TimeSpan prefill, TimeSpan decode)
        {
            var ids = Tokens.AsSpan(0, Count).ToArray();
            var text = model.Tokenizer.Decode(ids);
            if (reason == FinishReason.StopString)
            {
                var cut = -1;
                foreach (var s in stops)
                {
                    var at = text.IndexOf(s, StringComparison.Ordinal);
                    if (at >= 0 && (cut < 0 || at < cut)) cut = at;
                }

                if (cut >= 0) text = text[..cut];
            }

            return new Trace
            {
                Index = Index,
                Text = text,
                TokenIds = ids,
                TokenLogProbs = LogProbs.AsSpan(0, Count).ToArray(),
                TokenConfidences = Confidences.AsSpan(0, Count).ToArray(),
                TopLogProbs = Top is null ? null : Top.AsSpan(0, Math.Min(Steps, Top.Length)).ToArray(),
                FinishReason = reason,
                PromptTokens = promptTokens,
                DecodeSteps = Steps,
                PrefillTime = prefill,
                DecodeTime = decode,
            };
        }
    }
}
