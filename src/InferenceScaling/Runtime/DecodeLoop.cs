using InferenceScaling.Sampling;
using Microsoft.ML.OnnxRuntime;

namespace InferenceScaling.Runtime;

/// <summary>
/// The one step loop both decoders run (<see cref="OnnxTraceGenerator"/> for one request, the continuous-batching
/// scheduler for many): a <see cref="DecodeBatch"/>, the <see cref="TraceRow"/> each of its rows decodes, and the
/// step that samples every row, lets the rows that ended (or that their owner drops) leave, and runs the model once
/// for the rest. Whoever owns the loop decides only what happens to a row that leaves (<see cref="IRowSink"/>), so the
/// two decoders cannot drift apart: the same request gives the same traces in both.
/// </summary>
/// <remarks>Not thread-safe: one thread runs a loop. Buffers are reused; a steady-state step allocates nothing here.</remarks>
internal sealed class DecodeLoop : IDisposable
{
    /// <summary>The batch and its KV cache.</summary>
    private readonly DecodeBatch _batch;

    /// <summary>Draws tokens (scratch buffers sized to the vocabulary).</summary>
    private readonly TokenSampler _sampler;

    /// <summary>Row r's trace state, in batch order.</summary>
    private TraceRow[] _rows;

    /// <summary>Next input token per row.</summary>
    private int[] _next;

    /// <summary>Keep flags per row for the current step.</summary>
    private bool[] _keep;

    public DecodeLoop(DecoderModel model, int rows, int length)
    {
        rows = Math.Max(rows, 1);
        _batch = new DecodeBatch(model, rows, length);
        _sampler = new TokenSampler(model.Signature.VocabularySize);
        _rows = new TraceRow[rows];
        _next = new int[rows];
        _keep = new bool[rows];
    }

    /// <summary>What the loop's owner does with rows that leave, and which rows it drops.</summary>
    public interface IRowSink
    {
        /// <summary>Whether the row's control may have changed since the last step (saves a lock per row).</summary>
        bool CheckControl(TraceRow row);

        /// <summary>Whether the row must leave without drawing (its caller stopped reading).</summary>
        bool Drops(TraceRow row);

        /// <summary>The row left: <paramref name="reason"/> says why it ended, null when it was dropped.</summary>
        void Left(TraceRow row, FinishReason? reason);
    }

    /// <summary>Rows in the batch.</summary>
    public int Rows => _batch.Rows;

    /// <summary>Empties the loop, keeping its buffers.</summary>
    public void Clear()
    {
        Array.Clear(_rows);
        _batch.Clear();
    }

    /// <summary>Runs a prompt at batch 1 (see <see cref="DecodeBatch.Prefill"/>).</summary>
    public PrefilledPrompt Prefill(ReadOnlySpan<int> prompt, int chunkTokens, RunOptions runOptions) => _batch.Prefill(prompt, chunkTokens, runOptions);

    /// <summary>Adds one row per entry of <paramref name="rows"/>, each continuing <paramref name="prompt"/>.</summary>
    public void Admit(PrefilledPrompt prompt, ReadOnlySpan<TraceRow> rows)
    {
        var start = _batch.Rows;
        var need = start + rows.Length;
        if (need > _rows.Length)
        {
            var size = Math.Max(need, _rows.Length * 2);
            Array.Resize(ref _rows, size);
            Array.Resize(ref _next, size);
            Array.Resize(ref _keep, size);
        }

        _batch.Admit(prompt, rows.Length);
        rows.CopyTo(_rows.AsSpan(start));
    }

    /// <summary>
    /// The first half of a step: every row draws its next token (or is fed its injected one); rows that end or that
    /// the sink drops leave the batch (the sink hears of each, in batch order). Returns whether any row left.
    /// </summary>
    public bool Sample(IRowSink sink)
    {
        var count = _batch.Rows;
        var anyLeft = false;
        for (var r = 0; r < count; r++)
        {
            var row = _rows[r];
            _keep[r] = true;
            FinishReason? reason = null;
            if (sink.Drops(row)) _keep[r] = false;
            else if (row.Advance(_sampler, _batch.LogitsOf(r), sink.CheckControl(row), out _next[r]) is { } ended)
            {
                _keep[r] = false;
                reason = ended;
            }

            if (_keep[r]) continue;
            anyLeft = true;
            sink.Left(row, reason);
        }

        if (anyLeft)
        {
            var j = 0;
            for (var r = 0; r < count; r++)
            {
                if (!_keep[r]) continue;
                _rows[j] = _rows[r];
                _next[j] = _next[r];
                j++;
            }

            Array.Clear(_rows, j, count - j);
            _batch.Remove(_keep.AsSpan(0, count));
        }

        return anyLeft;
    }

    /// <summary>The second half of a step: the rows still in the batch run through the model with their drawn tokens.</summary>
    public void Run(RunOptions runOptions)
    {
        if (_batch.Rows > 0) _batch.Step(_next.AsSpan(0, _batch.Rows), runOptions);
    }

    /// <inheritdoc />
    public void Dispose() => _batch.Dispose();
}
