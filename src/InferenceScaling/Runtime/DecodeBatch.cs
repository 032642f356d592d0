using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceScaling.Runtime;

/// <summary>
/// The rows being decoded together and their KV cache. Rows are left-padded to one shared length
/// (<see cref="Length"/>), masked by <c>attention_mask</c>, each with its own position. The cache lives in two
/// ping-pong buffer sets: a step reads the past from one and ONNX Runtime writes the present (one token longer) into
/// the other, so nothing is copied per step. Rows join (<see cref="Admit"/>) and leave (<see cref="Remove"/>) between steps.
/// </summary>
/// <remarks>Not thread-safe: one decode loop owns a batch.</remarks>
internal sealed class DecodeBatch
{
    /// <summary>The model whose session runs the steps.</summary>
    private readonly DecoderModel _model;

    /// <summary>Signature shortcut.</summary>
    private readonly DecoderSignature _sig;

    /// <summary>Past buffers (read by the next step), one per past input, each <c>[rows, kvHeads, Length, headSize]</c>.</summary>
    private float[][] _past;

    /// <summary>Present buffers (written by the next step); swapped with <see cref="_past"/> after each step.</summary>
    private float[][] _present;

    /// <summary>Floats each buffer holds.</summary>
    private long _capacity;

    /// <summary>Real (unpadded) tokens per row so far: prompt plus generated.</summary>
    private int[] _real;

    /// <summary>Last logits per row, <c>[rows, vocab]</c>.</summary>
    private float[] _logits;

    /// <summary>Step inputs, reused: token ids, attention mask, positions.</summary>
    private long[] _ids, _mask, _positions;

    /// <summary>Input and output names in the order the value arrays use; fixed for the model.</summary>
    private readonly string[] _inputNames, _outputNames;

    /// <summary>Per-step OrtValue slots, reused (the values are recreated each step over the same buffers).</summary>
    private readonly OrtValue[] _inputs, _outputs;

    /// <summary>Reused shape arrays, one per tensor slot.</summary>
    private readonly long[][] _inputShapes, _outputShapes;

    /// <summary>An always-true <c>use_cache_branch</c> value for merged decoders, when needed.</summary>
    private readonly bool[] _useCache = GC.AllocateArray<bool>(1, pinned: true);

    public DecodeBatch(DecoderModel model, int rows, int length)
    {
        _model = model;
        _sig = model.Signature;
        var n = _sig.PastInputs.Count;
        _capacity = Math.Max(1L, (long)rows * _sig.KvWidth * length);
        _past = Allocate(n, _capacity);
        _present = Allocate(n, _capacity);
        _real = new int[Math.Max(rows, 1)];
        _logits = GC.AllocateArray<float>(Math.Max(rows, 1) * _sig.VocabularySize, pinned: true);
        _ids = GC.AllocateArray<long>(Math.Max(rows, 1), pinned: true);
        _positions = GC.AllocateArray<long>(Math.Max(rows, 1), pinned: true);
        _mask = GC.AllocateArray<long>(Math.Max(rows, 1) * (length + 1), pinned: true);

        var inputs = new List<string> { _sig.InputIds, _sig.AttentionMask };
        if (_sig.PositionIds is not null) inputs.Add(_sig.PositionIds);
        if (_sig.UseCacheBranch is not null) inputs.Add(_sig.UseCacheBranch);
        inputs.AddRange(_sig.PastInputs);
        _inputNames = [.. inputs];
        _outputNames = [_sig.Logits, .. _sig.PresentOutputs];
        _inputs = new OrtValue[_inputNames.Length];
        _outputs = new OrtValue[_outputNames.Length];
        _inputShapes = new long[_inputNames.Length][];
        _outputShapes = new long[_outputNames.Length][];
        for (var i = 0; i < _inputShapes.Length; i++) _inputShapes[i] = new long[i < _inputNames.Length - n ? (_inputNames[i] == _sig.UseCacheBranch ? 1 : 2) : 4];
        _useCache[0] = true;
        if (_sig.UseCacheBranch is not null) _inputShapes[Array.IndexOf(_inputNames, _sig.UseCacheBranch)][0] = 1;
        _outputShapes[0] = new long[3];
        for (var i = 1; i < _outputShapes.Length; i++) _outputShapes[i] = new long[4];
    }

    /// <summary>Rows in the batch.</summary>
    public int Rows { get; private set; }

    /// <summary>Shared (padded) KV length.</summary>
    public int Length { get; private set; }

    /// <summary>Real tokens (prompt + generated) of a row.</summary>
    public int RealLength(int row) => _real[row];

    /// <summary>The logits a row's next token is drawn from.</summary>
    public ReadOnlySpan<float> LogitsOf(int row) => _logits.AsSpan(row * _sig.VocabularySize, _sig.VocabularySize);

    /// <summary>Empties the batch, keeping its buffers for reuse.</summary>
    public void Clear()
    {
        Rows = 0;
        Length = 0;
    }

    /// <summary>Runs a prompt through the model at batch 1, in chunks, and returns its KV cache and last logits.</summary>
    public PrefilledPrompt Prefill(ReadOnlySpan<int> prompt, int chunkTokens, RunOptions runOptions)
    {
        Debug.Assert(prompt.Length > 0);
        var n = _sig.PastInputs.Count;
        var width = _sig.KvWidth;
        var vocab = _sig.VocabularySize;
        float[][] past = Allocate(n, 0);
        var done = 0;
        float[] chunkLogits = [];
        var lastLen = 0;
        while (done < prompt.Length)
        {
            var len = Math.Min(chunkTokens, prompt.Length - done);
            var total = done + len;
            var ids = new long[len];
            var pos = new long[len];
            var mask = new long[total];
            for (var i = 0; i < len; i++) { ids[i] = prompt[done + i]; pos[i] = done + i; }
            Array.Fill(mask, 1L);
            var present = Allocate(n, (long)width * total);
            if (chunkLogits.Length < len * vocab) chunkLogits = new float[len * vocab];
            var values = new List<OrtValue>();
            try
            {
                var inputs = new OrtValue[_inputNames.Length];
                var k = 0;
                inputs[k++] = Track(values, OrtValue.CreateTensorValueFromMemory(ids, [1, len]));
                inputs[k++] = Track(values, OrtValue.CreateTensorValueFromMemory(mask, [1, total]));
                if (_sig.PositionIds is not null) inputs[k++] = Track(values, OrtValue.CreateTensorValueFromMemory(pos, [1, len]));
                if (_sig.UseCacheBranch is not null) inputs[k++] = Track(values, OrtValue.CreateTensorValueFromMemory(new[] { done > 0 }, [1]));
                for (var i = 0; i < n; i++)
                {
                    // ONNX Runtime needs a real (allocated) tensor for a zero-length past; a pinned empty array has no address.
                    inputs[k++] = Track(values, done == 0
                        ? OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, TensorElementType.Float, [1, _sig.KeyValueHeads, 0, _sig.HeadSize])
                        : OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, past[i].AsMemory(0, width * done), [1, _sig.KeyValueHeads, done, _sig.HeadSize]));
                }

                var outputs = new OrtValue[_outputNames.Length];
                outputs[0] = Track(values, OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, chunkLogits.AsMemory(0, len * vocab), [1, len, vocab]));
                for (var i = 0; i < n; i++)
                    outputs[i + 1] = Track(values, OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, present[i].AsMemory(), [1, _sig.KeyValueHeads, total, _sig.HeadSize]));
                _model.Session.Run(runOptions, _inputNames, inputs, _outputNames, outputs);
            }
            finally
            {
                foreach (var v in values) v.Dispose();
            }

            past = present;
            done = total;
            lastLen = len;
        }

        var last = new float[vocab];
        Array.Copy(chunkLogits, (lastLen - 1) * vocab, last, 0, vocab);
        return new PrefilledPrompt(past, prompt.Length, last);
    }

    /// <summary>
    /// Adds <paramref name="copies"/> rows that continue <paramref name="prompt"/> (its KV cache forked into each).
    /// A shorter prompt is left-padded to the batch length; a longer one pads every row already in the batch.
    /// </summary>
    public void Admit(PrefilledPrompt prompt, int copies)
    {
        var p = prompt.Length;
        var newRows = Rows + copies;
        var newLength = Math.Max(Length, p);
        if (Rows > 0 && newLength > Length) Relayout(newLength);
        Length = newLength;
        EnsureCapacity(newRows, Length + 1);

        var width = _sig.KvWidth;
        var hs = _sig.HeadSize;
        var heads = _sig.KeyValueHeads;
        var pad = Length - p;
        for (var buffer = 0; buffer < _past.Length; buffer++)
        {
            var src = prompt.Cache[buffer];
            var dst = _past[buffer];
            for (var r = Rows; r < newRows; r++)
            {
                var rowBase = (long)r * width * Length;
                for (var h = 0; h < heads; h++)
                {
                    var headBase = rowBase + (long)h * Length * hs;
                    // Padding must be zeros, not stale floats: masked weights are exactly 0, but 0 × NaN is NaN.
                    if (pad > 0) Array.Clear(dst, (int)headBase, pad * hs);
                    Array.Copy(src, (long)h * p * hs, dst, headBase + (long)pad * hs, (long)p * hs);
                }
            }
        }

        for (var r = Rows; r < newRows; r++)
        {
            _real[r] = p;
            Array.Copy(prompt.LastLogits, 0, _logits, (long)r * _sig.VocabularySize, _sig.VocabularySize);
        }

        Rows = newRows;
    }

    /// <summary>Feeds one token per row and leaves each row's next logits in <see cref="LogitsOf"/>.</summary>
    public void Step(ReadOnlySpan<int> tokens, RunOptions runOptions)
    {
        Debug.Assert(tokens.Length == Rows && Rows > 0);
        var rows = Rows;
        var t = Length;
        var total = t + 1;
        EnsureCapacity(rows, total);
        var vocab = _sig.VocabularySize;
        var n = _sig.PastInputs.Count;

        for (var r = 0; r < rows; r++)
        {
            _ids[r] = tokens[r];
            _positions[r] = _real[r];
            var pad = t - _real[r];
            var m = _mask.AsSpan(r * total, total);
            m[..pad].Clear();
            m[pad..].Fill(1L);
        }

        // Raw-pointer tensors over pinned buffers: no pinning handles per step, only the OrtValue wrappers.
        var k = 0;
        _inputs[k] = Tensor(TensorElementType.Int64, _ids, rows * sizeof(long), Shape(_inputShapes[k++], rows, 1));
        _inputs[k] = Tensor(TensorElementType.Int64, _mask, rows * total * sizeof(long), Shape(_inputShapes[k++], rows, total));
        if (_sig.PositionIds is not null)
            _inputs[k] = Tensor(TensorElementType.Int64, _positions, rows * sizeof(long), Shape(_inputShapes[k++], rows, 1));
        if (_sig.UseCacheBranch is not null)
            _inputs[k] = Tensor(TensorElementType.Bool, _useCache, 1, _inputShapes[k++]);
        var pastBytes = (long)rows * _sig.KvWidth * t * sizeof(float);
        var presentBytes = (long)rows * _sig.KvWidth * total * sizeof(float);
        for (var i = 0; i < n; i++)
            _inputs[k] = Tensor(TensorElementType.Float, _past[i], pastBytes, Kv(_inputShapes[k++], rows, t));
        _outputs[0] = Tensor(TensorElementType.Float, _logits, (long)rows * vocab * sizeof(float), Shape(_outputShapes[0], rows, 1, vocab));
        for (var i = 0; i < n; i++)
            _outputs[i + 1] = Tensor(TensorElementType.Float, _present[i], presentBytes, Kv(_outputShapes[i + 1], rows, total));
        try
        {
            _model.Session.Run(runOptions, _inputNames, _inputs, _outputNames, _outputs);
        }
        finally
        {
            for (var i = 0; i < _inputs.Length; i++) _inputs[i]?.Dispose();
            for (var i = 0; i < _outputs.Length; i++) _outputs[i]?.Dispose();
        }

        (_past, _present) = (_present, _past);
        Length = total;
        for (var r = 0; r < rows; r++) _real[r]++;
    }

    /// <summary>
    /// Drops the rows whose <paramref name="keep"/> flag is false, moving the rest down in order. Row i's new index is
    /// the number of kept rows before it. Padding every remaining row shares is trimmed away.
    /// </summary>
    public void Remove(ReadOnlySpan<bool> keep)
    {
        var width = _sig.KvWidth;
        var rowFloats = (long)width * Length;
        var vocab = _sig.VocabularySize;
        var j = 0;
        for (var r = 0; r < Rows; r++)
        {
            if (!keep[r]) continue;
            if (j != r)
            {
                foreach (var buffer in _past) Array.Copy(buffer, r * rowFloats, buffer, j * rowFloats, rowFloats);
                Array.Copy(_logits, (long)r * vocab, _logits, (long)j * vocab, vocab);
                _real[j] = _real[r];
            }

            j++;
        }

        Rows = j;
        if (Rows == 0)
        {
            Length = 0;
            return;
        }

        var longest = 0;
        for (var r = 0; r < Rows; r++) longest = Math.Max(longest, _real[r]);
        if (longest < Length) Relayout(longest);
    }

    /// <summary>Re-lays every row's cache for a new shared length (more or less left padding), via the spare buffers.</summary>
    private void Relayout(int newLength)
    {
        var hs = _sig.HeadSize;
        var heads = _sig.KeyValueHeads;
        var width = _sig.KvWidth;
        EnsureCapacity(Rows, Math.Max(newLength, Length) + 1);
        for (var b = 0; b < _past.Length; b++)
        {
            var src = _past[b];
            var dst = _present[b];
            for (var r = 0; r < Rows; r++)
            {
                var real = _real[r];
                for (var h = 0; h < heads; h++)
                {
                    var srcHead = (long)r * width * Length + (long)h * Length * hs;
                    var dstHead = (long)r * width * newLength + (long)h * newLength * hs;
                    var pad = newLength - real;
                    if (pad > 0) Array.Clear(dst, (int)dstHead, pad * hs);
                    Array.Copy(src, srcHead + (long)(Length - real) * hs, dst, dstHead + (long)pad * hs, (long)real * hs);
                }
            }
        }

        (_past, _present) = (_present, _past);
        Length = newLength;
    }

    /// <summary>Grows the buffers (keeping the past's content) so <paramref name="rows"/> rows of <paramref name="length"/> fit.</summary>
    private void EnsureCapacity(int rows, int length)
    {
        var need = (long)rows * _sig.KvWidth * length;
        if (need > _capacity)
        {
            var grown = Math.Max(need, _capacity + _capacity / 2);
            if (grown > Array.MaxLength) throw new InvalidOperationException($"KV cache of {rows} rows × {length} tokens does not fit in one buffer.");
            var used = (long)Rows * _sig.KvWidth * Length;
            var past = Allocate(_past.Length, grown);
            for (var i = 0; i < past.Length; i++) Array.Copy(_past[i], past[i], used);
            _past = past;
            _present = Allocate(_present.Length, grown);
            _capacity = grown;
        }

        if (_real.Length < rows)
        {
            Array.Resize(ref _real, rows);
            _ids = GC.AllocateArray<long>(rows, pinned: true);
            _positions = GC.AllocateArray<long>(rows, pinned: true);
            var logits = GC.AllocateArray<float>(rows * _sig.VocabularySize, pinned: true);
            Array.Copy(_logits, logits, _logits.Length);
            _logits = logits;
        }

        if (_mask.Length < rows * (length + 1)) _mask = GC.AllocateArray<long>(rows * (length + 1) * 3 / 2, pinned: true);
    }

    private static float[][] Allocate(int count, long floats)
    {
        var result = new float[count][];
        // Pinned so ONNX Runtime can read and write them in place; uninitialized because every float is written before it is read.
        for (var i = 0; i < count; i++) result[i] = GC.AllocateUninitializedArray<float>((int)floats, pinned: true);
        return result;
    }

    /// <summary>A tensor over a pinned array (allocated on the pinned object heap, so its address never moves).</summary>
    private static OrtValue Tensor(TensorElementType type, Array pinned, long bytes, long[] shape) =>
        OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, type, shape, Marshal.UnsafeAddrOfPinnedArrayElement(pinned, 0), bytes);

    private static OrtValue Track(List<OrtValue> values, OrtValue value)
    {
        values.Add(value);
        return value;
    }

    private static long[] Shape(long[] shape, long a, long b)
    {
        shape[0] = a;
        shape[1] = b;
        return shape;
    }

    private static long[] Shape(long[] shape, long a, long b, long c)
    {
        shape[0] = a;
        shape[1] = b;
        shape[2] = c;
        return shape;
    }

    private long[] Kv(long[] shape, long rows, long length)
    {
        shape[0] = rows;
        shape[1] = _sig.KeyValueHeads;
        shape[2] = length;
        shape[3] = _sig.HeadSize;
        return shape;
    }
}
