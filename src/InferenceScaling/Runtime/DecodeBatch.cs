using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceScaling.Runtime;

/// <summary>
/// The rows being decoded together and their KV cache, kept in the graph's own element type (float32, float16 or
/// bfloat16). Rows join (<see cref="Admit"/>) and leave (<see cref="Remove"/>) between steps. The layout follows the
/// graph's <see cref="AttentionKind"/>:
/// <list type="bullet">
/// <item><see cref="AttentionKind.Standard"/>: rows are left-padded to one shared length (<see cref="Length"/>) and
/// masked by <c>attention_mask</c>, each with its own position. The cache lives in two ping-pong buffer sets: a step
/// reads the past from one and ONNX Runtime writes the present (one token longer) into the other. The tensors change
/// shape every step, so each step binds them afresh, through the C API (<see cref="OrtTensorBinder"/>): no managed
/// allocation per step either.</item>
/// <item><see cref="AttentionKind.RightAligned"/> (GroupQueryAttention): each row's tokens start at position 0 and its
/// length is its mask's sum, so rows of different lengths need no padding in front. Past and present are one buffer
/// of fixed capacity per input (the kernel appends in place), every tensor keeps its shape from step to step, and the
/// cache and logits are bound once per batch shape (only the small host inputs are bound again each step). These
/// buffers are ONNX Runtime allocations from the model's KV allocator (<see cref="KvBuffer"/>): device memory when the
/// model runs on CUDA, so the cache never crosses to the host, and the CPU allocator otherwise (the same code).</item>
/// </list>
/// Logits come back in the graph's type and are converted into one reused float buffer (<see cref="LogitsOf"/>).
/// </summary>
/// <remarks>Not thread-safe: one decode loop owns a batch. Owns its binding and the values bound to it.</remarks>
internal sealed class DecodeBatch : IDisposable
{
    /// <summary>The model whose session runs the steps.</summary>
    private readonly DecoderModel _model;

    /// <summary>Signature shortcut.</summary>
    private readonly DecoderSignature _sig;

    /// <summary>Bytes per cache element.</summary>
    private readonly int _es;

    /// <summary>Key/value planes per past input (2 for combined caches).</summary>
    private readonly int _planes;

    /// <summary>Whether rows are right-aligned in a shared fixed-capacity buffer (GroupQueryAttention graphs).</summary>
    private readonly bool _rightAligned;

    /// <summary>Standard graphs: past buffers (read by the next step), one per past input, laid out <c>[planes, rows, kvHeads, stride, head]</c>.</summary>
    private byte[][] _past = [];

    /// <summary>
    /// Right-aligned graphs: the shared past/present buffers in the same layout, ONNX Runtime allocations from the
    /// model's KV allocator (device memory with CUDA, host memory on the CPU), bound once per batch shape.
    /// </summary>
    private KvBuffer[] _kv = [];

    /// <summary>Where right-aligned buffers are allocated (not owned: the model's).</summary>
    private readonly OrtAllocator _kvAllocator;

    /// <summary>Present buffers (written by the next step) for standard graphs; swapped with <see cref="_past"/> after each step.</summary>
    private byte[][] _present = [];

    /// <summary>Bytes each buffer holds.</summary>
    private long _capacity;

    /// <summary>Tokens per row per head in the buffers: <see cref="Length"/> for standard graphs, the fixed capacity for right-aligned ones.</summary>
    private int _stride;

    /// <summary>Most tokens a row may reach (the model's context).</summary>
    private readonly int _context;

    /// <summary>Real (unpadded) tokens per row so far: prompt plus generated.</summary>
    private int[] _real;

    /// <summary>Last logits per row as floats, <c>[rows, vocab]</c>.</summary>
    private float[] _logits;

    /// <summary>Last logits per row in the graph's 16-bit type, when it is not float32.</summary>
    private ushort[]? _logitsHalf;

    /// <summary>Step inputs, reused: token ids, attention mask, positions.</summary>
    private long[] _ids, _mask, _positions;

    /// <summary>Input and output names in the order the value arrays use; fixed for the model.</summary>
    private readonly string[] _inputNames, _outputNames;

    /// <summary>The same names encoded once for the C API (<see cref="OrtTensorBinder"/>).</summary>
    private readonly byte[][] _inputUtf8, _outputUtf8;

    /// <summary>Reused shape arrays, one per tensor slot.</summary>
    private readonly long[][] _inputShapes, _outputShapes;

    /// <summary>An always-true <c>use_cache_branch</c> value for merged decoders, when needed.</summary>
    private readonly bool[] _useCache = GC.AllocateArray<bool>(1, pinned: true);

    /// <summary>The <c>num_logits_to_keep</c> value fed with every step and prefill chunk: 1.</summary>
    private readonly long[] _keepOne = GC.AllocateArray<long>(1, pinned: true);

    /// <summary>Shape of the <c>num_logits_to_keep</c> input (a scalar or one element).</summary>
    private readonly long[] _keepShape;

    /// <summary>The steps' binding, made at the first step and kept: binding a name again replaces what it held.</summary>
    private OrtIoBinding? _binding;

    /// <summary>
    /// Right-aligned graphs: whether the cache and logits are bound for the current rows, stride and buffers (false
    /// after anything that changes them; the next step binds them again).
    /// </summary>
    private bool _bound;

    /// <summary>Runs right-aligned buffers' row moves (device memory, or the device path forced on the host), else null.</summary>
    private readonly KvCopier? _copier;

    public DecodeBatch(DecoderModel model, int rows, int length)
        : this(model, rows, length, model.KvCopier)
    {
    }

    /// <summary>A batch whose right-aligned KV buffers move rows through <paramref name="copier"/> (tests: the device path on the CPU).</summary>
    internal DecodeBatch(DecoderModel model, int rows, int length, KvCopier? copier)
    {
        _copier = copier;
        _model = model;
        _sig = model.Signature;
        _es = _sig.CacheElementSize;
        _planes = _sig.PlanesPerInput;
        _rightAligned = _sig.Attention == AttentionKind.RightAligned;
        _context = Math.Max(2, _sig.ContextLength);
        var n = _sig.PastInputs.Count;
        rows = Math.Max(rows, 1);
        length = Math.Clamp(length, 1, _context);
        _stride = _rightAligned ? length : 0;
        _capacity = Math.Max(1L, (long)_planes * rows * _sig.KvWidth * (length + 1) * _es);
        _kvAllocator = model.KvAllocator;
        if (_rightAligned) _kv = AllocateKv(n, _capacity);
        else
        {
            _past = Allocate(n, _capacity);
            _present = Allocate(n, _capacity);
        }

        _real = new int[rows];
        _logits = GC.AllocateArray<float>(rows * _sig.VocabularySize, pinned: true);
        if (_sig.LogitsElementType != TensorElementType.Float) _logitsHalf = GC.AllocateArray<ushort>(rows * _sig.VocabularySize, pinned: true);
        _ids = GC.AllocateArray<long>(rows, pinned: true);
        _positions = GC.AllocateArray<long>(rows, pinned: true);
        _mask = GC.AllocateArray<long>(rows * (length + 1), pinned: true);
        _keepOne[0] = 1;
        _keepShape = _sig.LogitsToKeep is { } keep && model.Session.InputMetadata[keep].Dimensions.Length == 1 ? [1] : [];

        var inputs = new List<string> { _sig.InputIds, _sig.AttentionMask };
        if (_sig.PositionIds is not null) inputs.Add(_sig.PositionIds);
        if (_sig.UseCacheBranch is not null) inputs.Add(_sig.UseCacheBranch);
        if (_sig.LogitsToKeep is not null) inputs.Add(_sig.LogitsToKeep);
        inputs.AddRange(_sig.PastInputs);
        _inputNames = [.. inputs];
        _outputNames = [_sig.Logits, .. _sig.PresentOutputs];
        _inputUtf8 = Array.ConvertAll(_inputNames, OrtTensorBinder.Name);
        _outputUtf8 = Array.ConvertAll(_outputNames, OrtTensorBinder.Name);
        _inputShapes = new long[_inputNames.Length][];
        _outputShapes = new long[_outputNames.Length][];
        var kvRank = _planes == 2 ? 5 : 4;
        for (var i = 0; i < _inputShapes.Length; i++)
        {
            var name = _inputNames[i];
            _inputShapes[i] = i >= _inputNames.Length - n ? new long[kvRank]
                : name == _sig.UseCacheBranch ? [1]
                : name == _sig.LogitsToKeep ? _keepShape
                : new long[2];
        }

        _useCache[0] = true;
        _outputShapes[0] = new long[3];
        for (var i = 1; i < _outputShapes.Length; i++) _outputShapes[i] = new long[kvRank];
    }

    /// <summary>
    /// Bytes a decode step of <paramref name="rows"/> rows at length <paramref name="length"/> moves between host and
    /// device when the model runs on one, as the step binds its tensors: token ids, mask and positions in, the last
    /// position's logits out; on a standard graph also the whole past in and present out (host buffers), on a
    /// right-aligned one nothing of the cache (device buffers). Zero on the CPU. What the bindings imply, not a
    /// measurement.
    /// </summary>
    public static (long ToDevice, long ToHost) HostDeviceBytesPerStep(DecoderModel model, int rows, int length)
    {
        if (!model.RunsOnDevice) return (0, 0);
        var sig = model.Signature;
        var logitsSize = sig.LogitsElementType == TensorElementType.Float ? 4 : 2;
        var toDevice = (long)rows * sizeof(long) * (1 + length + 1 + (sig.PositionIds is null ? 0 : 1));
        var toHost = (long)rows * sig.VocabularySize * logitsSize;
        if (sig.Attention != AttentionKind.RightAligned)
        {
            var perToken = (long)sig.PastInputs.Count * sig.PlanesPerInput * rows * sig.KvWidth * sig.CacheElementSize;
            toDevice += perToken * length;
            toHost += perToken * (length + 1);
        }

        return (toDevice, toHost);
    }

    /// <summary>Rows in the batch.</summary>
    public int Rows { get; private set; }

    /// <summary>Longest row, in tokens (the shared, padded length for standard graphs).</summary>
    public int Length { get; private set; }

    /// <summary>The logits a row's next token is drawn from.</summary>
    public ReadOnlySpan<float> LogitsOf(int row) => _logits.AsSpan(row * _sig.VocabularySize, _sig.VocabularySize);

    /// <summary>
    /// Bytes of logits the last <see cref="Prefill"/> let the graph return per chunk: one position's where the graph
    /// takes <c>num_logits_to_keep</c>, else every position of a chunk (chunk × vocabulary × element size).
    /// </summary>
    public long PrefillLogitsBytes { get; private set; }

    /// <summary>Empties the batch, keeping its buffers for reuse.</summary>
    public void Clear()
    {
        Rows = 0;
        Length = 0;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _binding?.Dispose();
        _binding = null;
        DisposeKv(_kv);
        _kv = [];
    }

    /// <summary>
    /// Runs a prompt through the model at batch 1, in chunks of at most <paramref name="chunkTokens"/>, and returns its
    /// KV cache and last logits. Memory: the cache, plus logits for the last position only where the graph takes
    /// <c>num_logits_to_keep</c>, else for every position of one chunk (chunk × vocabulary).
    /// </summary>
    public PrefilledPrompt Prefill(ReadOnlySpan<int> prompt, int chunkTokens, RunOptions runOptions)
    {
        Debug.Assert(prompt.Length > 0);
        PrefillLogitsBytes = 0;
        var n = _sig.PastInputs.Count;
        var width = _sig.KvWidth;
        var vocab = _sig.VocabularySize;
        var keepsLast = _sig.LogitsToKeep is not null;
        var logitsSize = _sig.LogitsElementType == TensorElementType.Float ? 4 : 2;
        byte[][] past = Allocate(n, 0);
        var done = 0;
        byte[] chunkLogits = [];
        var lastLen = 0;
        while (done < prompt.Length)
        {
            var len = Math.Min(chunkTokens, prompt.Length - done);
            var total = done + len;
            var kept = keepsLast ? 1 : len;
            var ids = new long[len];
            var pos = new long[len];
            var mask = new long[total];
            for (var i = 0; i < len; i++) { ids[i] = prompt[done + i]; pos[i] = done + i; }
            Array.Fill(mask, 1L);
            var present = Allocate(n, (long)_planes * width * total * _es);
            if (chunkLogits.Length < kept * vocab * logitsSize) chunkLogits = GC.AllocateUninitializedArray<byte>(kept * vocab * logitsSize, pinned: true);
            PrefillLogitsBytes = Math.Max(PrefillLogitsBytes, (long)kept * vocab * logitsSize);
            var values = new List<OrtValue>();
            try
            {
                var inputs = new OrtValue[_inputNames.Length];
                var k = 0;
                inputs[k++] = Track(values, OrtValue.CreateTensorValueFromMemory(ids, [1, len]));
                inputs[k++] = Track(values, OrtValue.CreateTensorValueFromMemory(mask, [1, total]));
                if (_sig.PositionIds is not null) inputs[k++] = Track(values, OrtValue.CreateTensorValueFromMemory(pos, [1, len]));
                if (_sig.UseCacheBranch is not null) inputs[k++] = Track(values, OrtValue.CreateTensorValueFromMemory(new[] { done > 0 }, [1]));
                if (_sig.LogitsToKeep is not null) inputs[k++] = Track(values, OrtValue.CreateTensorValueFromMemory(new[] { 1L }, _keepShape));
                for (var i = 0; i < n; i++)
                {
                    // ONNX Runtime needs a real (allocated) tensor for a zero-length past; a pinned empty array has no address.
                    inputs[k++] = Track(values, done == 0
                        ? OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, _sig.CacheElementType, Kv(new long[_planes == 2 ? 5 : 4], 1, 0))
                        : Tensor(_sig.CacheElementType, past[i], (long)_planes * width * done * _es, Kv(new long[_planes == 2 ? 5 : 4], 1, done)));
                }

                var outputs = new OrtValue[_outputNames.Length];
                outputs[0] = Track(values, Tensor(_sig.LogitsElementType, chunkLogits, (long)kept * vocab * logitsSize, [1, kept, vocab]));
                for (var i = 0; i < n; i++)
                    outputs[i + 1] = Track(values, Tensor(_sig.CacheElementType, present[i], (long)_planes * width * total * _es, Kv(new long[_planes == 2 ? 5 : 4], 1, total)));
                _model.Session.Run(runOptions, _inputNames, inputs, _outputNames, outputs);
            }
            finally
            {
                foreach (var v in values) v.Dispose();
            }

            past = present;
            done = total;
            lastLen = kept;
        }

        var last = new float[vocab];
        ConvertLogits(chunkLogits.AsSpan((lastLen - 1) * vocab * logitsSize, vocab * logitsSize), last);
        return new PrefilledPrompt(past, prompt.Length, last);
    }

    /// <summary>
    /// Adds <paramref name="copies"/> rows that continue <paramref name="prompt"/> (its KV cache forked into each).
    /// Standard graphs: a shorter prompt is left-padded to the batch length, a longer one pads every row already in the
    /// batch. Right-aligned graphs: the prompt is copied to the start of each new row.
    /// </summary>
    public void Admit(PrefilledPrompt prompt, int copies)
    {
        var p = prompt.Length;
        var oldRows = Rows;
        var newRows = Rows + copies;
        if (_rightAligned)
        {
            if (p + 1 > _stride) Restride(Grow(_stride, p + 1));
            EnsureCapacity(newRows, _stride);
        }
        else
        {
            var newLength = Math.Max(Length, p);
            if (Rows > 0 && newLength > Length) Relayout(newLength);
            _stride = newLength;
            EnsureCapacity(newRows, _stride + 1);
        }

        var width = _sig.KvWidth;
        var hs = _sig.HeadSize;
        var heads = _sig.KeyValueHeads;
        var stride = _stride;
        var pad = _rightAligned ? 0 : stride - p;
        var rowBytes = (long)width * stride * _es;
        for (var buffer = 0; buffer < BufferCount; buffer++)
        {
            MovePlanes(buffer, oldRows, newRows, rowBytes);
            var src = prompt.Cache[buffer];
            for (var plane = 0; plane < _planes; plane++)
            {
                var srcPlane = (long)plane * width * p * _es;
                var dstPlane = (long)plane * newRows * rowBytes;
                for (var r = oldRows; r < newRows; r++)
                {
                    var rowBase = dstPlane + r * rowBytes;
                    for (var h = 0; h < heads; h++)
                    {
                        var headBase = rowBase + (long)h * stride * hs * _es;
                        // Padding must be zeros, not stale bits: masked weights are exactly 0, but 0 × NaN is NaN.
                        if (pad > 0) Array.Clear(_past[buffer], (int)headBase, pad * hs * _es);
                        WritePrompt(buffer, src, srcPlane + (long)h * p * hs * _es, headBase + (long)pad * hs * _es, (long)p * hs * _es);
                    }
                }
            }
        }

        for (var r = oldRows; r < newRows; r++)
        {
            _real[r] = p;
            Array.Copy(prompt.LastLogits, 0, _logits, (long)r * _sig.VocabularySize, _sig.VocabularySize);
        }

        Rows = newRows;
        Length = Math.Max(Length, p);
        if (_rightAligned) Unbind();
    }

    /// <summary>Feeds one token per row and leaves each row's next logits in <see cref="LogitsOf"/>.</summary>
    public void Step(ReadOnlySpan<int> tokens, RunOptions runOptions)
    {
        Debug.Assert(tokens.Length == Rows && Rows > 0);
        if (_rightAligned) StepRightAligned(tokens, runOptions);
        else StepStandard(tokens, runOptions);
        if (_logitsHalf is not null) ConvertLogits(MemoryMarshal.AsBytes(_logitsHalf.AsSpan(0, Rows * _sig.VocabularySize)), _logits);
        for (var r = 0; r < Rows; r++) _real[r]++;
    }

    private void StepStandard(ReadOnlySpan<int> tokens, RunOptions runOptions)
    {
        var rows = Rows;
        var t = Length;
        var total = t + 1;
        EnsureCapacity(rows, total);
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

        // Every tensor is a raw-pointer view of a pinned buffer, bound natively: nothing managed is made per step.
        var binding = _binding ??= _model.Session.CreateIoBinding();
        var k = BindStepInputs(binding, rows, total);
        if (_sig.UseCacheBranch is not null) { BindHost(binding, k, _useCache, 1, _inputShapes[k], TensorElementType.Bool); k++; }
        if (_sig.LogitsToKeep is not null) { BindHost(binding, k, _keepOne, sizeof(long), _inputShapes[k], TensorElementType.Int64); k++; }
        var pastBytes = (long)_planes * rows * _sig.KvWidth * t * _es;
        var presentBytes = (long)_planes * rows * _sig.KvWidth * total * _es;
        for (var i = 0; i < n; i++)
            BindHost(binding, k + i, _past[i], pastBytes, Kv(_inputShapes[k + i], rows, t), _sig.CacheElementType);
        BindLogits(binding, rows);
        for (var i = 0; i < n; i++)
            OrtTensorBinder.Bind(binding, true, _outputUtf8[i + 1], OrtMemoryInfo.DefaultInstance, Address(_present[i]), presentBytes, Kv(_outputShapes[i + 1], rows, total), _sig.CacheElementType);
        _model.Session.RunWithBinding(runOptions, binding);

        (_past, _present) = (_present, _past);
        Length = total;
        _stride = total;
    }

    private void StepRightAligned(ReadOnlySpan<int> tokens, RunOptions runOptions)
    {
        var rows = Rows;
        var longest = 0;
        for (var r = 0; r < rows; r++) longest = Math.Max(longest, _real[r]);
        if (longest + 1 > _stride) Restride(Grow(_stride, longest + 1));
        var stride = _stride;
        for (var r = 0; r < rows; r++)
        {
            _ids[r] = tokens[r];
            _positions[r] = _real[r];
            // The kernel reads a row's length from its mask's sum: ones over its tokens and the new one, zeros after.
            var m = _mask.AsSpan(r * stride, stride);
            var ones = _real[r] + 1;
            m[..ones].Fill(1L);
            m[ones..].Clear();
        }

        var binding = _binding ??= _model.Session.CreateIoBinding();
        if (!_bound) BindCache(binding);
        // A host input is copied to the device when it is bound, not when the graph runs: bound again every step.
        BindStepInputs(binding, rows, stride);
        _model.Session.RunWithBinding(runOptions, binding);
        Length = longest + 1;
    }

    /// <summary>
    /// Binds a step's token ids, attention mask (<paramref name="maskLength"/> wide) and positions, the host inputs
    /// every layout feeds, and returns the index of the next input slot.
    /// </summary>
    private int BindStepInputs(OrtIoBinding binding, int rows, int maskLength)
    {
        var k = 0;
        BindHost(binding, k, _ids, rows * sizeof(long), Shape(_inputShapes[k], rows, 1), TensorElementType.Int64); k++;
        BindHost(binding, k, _mask, (long)rows * maskLength * sizeof(long), Shape(_inputShapes[k], rows, maskLength), TensorElementType.Int64); k++;
        if (_sig.PositionIds is not null) { BindHost(binding, k, _positions, rows * sizeof(long), Shape(_inputShapes[k], rows, 1), TensorElementType.Int64); k++; }
        return k;
    }

    /// <summary>
    /// Right-aligned graphs: binds the parts of a step that keep their shape and place until rows join or leave or the
    /// buffers grow — past and present as one buffer per input, <c>use_cache_branch</c>, <c>num_logits_to_keep</c> and
    /// the logits.
    /// </summary>
    private void BindCache(OrtIoBinding binding)
    {
        var rows = Rows;
        var stride = _stride;
        var k = _sig.PositionIds is null ? 2 : 3;
        if (_sig.UseCacheBranch is not null) { BindHost(binding, k, _useCache, 1, _inputShapes[k], TensorElementType.Bool); k++; }
        if (_sig.LogitsToKeep is not null) { BindHost(binding, k, _keepOne, sizeof(long), _inputShapes[k], TensorElementType.Int64); k++; }
        var bytes = (long)_planes * rows * _sig.KvWidth * stride * _es;
        for (var i = 0; i < _kv.Length; i++)
        {
            var shape = Kv(_inputShapes[k + i], rows, stride);
            OrtTensorBinder.Bind(binding, false, _inputUtf8[k + i], _kv[i].Info, _kv[i].Address, bytes, shape, _sig.CacheElementType);
            OrtTensorBinder.Bind(binding, true, _outputUtf8[i + 1], _kv[i].Info, _kv[i].Address, bytes, shape, _sig.CacheElementType);
        }

        BindLogits(binding, rows);
        _bound = true;
    }

    /// <summary>Binds input slot <paramref name="slot"/> to a pinned host array.</summary>
    private void BindHost(OrtIoBinding binding, int slot, Array pinned, long bytes, long[] shape, TensorElementType type) =>
        OrtTensorBinder.Bind(binding, false, _inputUtf8[slot], OrtMemoryInfo.DefaultInstance, Address(pinned), bytes, shape, type);

    /// <summary>Binds the logits output, <c>[rows, 1, vocab]</c>, to the float buffer or to the 16-bit one.</summary>
    private void BindLogits(OrtIoBinding binding, int rows)
    {
        var shape = Shape(_outputShapes[0], rows, 1, _sig.VocabularySize);
        if (_logitsHalf is null)
            OrtTensorBinder.Bind(binding, true, _outputUtf8[0], OrtMemoryInfo.DefaultInstance, Address(_logits), (long)rows * _sig.VocabularySize * sizeof(float), shape, TensorElementType.Float);
        else
            OrtTensorBinder.Bind(binding, true, _outputUtf8[0], OrtMemoryInfo.DefaultInstance, Address(_logitsHalf), (long)rows * _sig.VocabularySize * sizeof(ushort), shape, _sig.LogitsElementType);
    }

    /// <summary>Right-aligned graphs: the cache must be bound again (rows, stride or buffers changed).</summary>
    private void Unbind() => _bound = false;

    /// <summary>
    /// Drops the rows whose <paramref name="keep"/> flag is false, moving the rest down in order. Row i's new index is
    /// the number of kept rows before it. Padding every remaining row shares is trimmed away (standard graphs).
    /// </summary>
    public void Remove(ReadOnlySpan<bool> keep)
    {
        var rowBytes = (long)_sig.KvWidth * _stride * _es;
        var vocab = _sig.VocabularySize;
        var oldRows = Rows;
        var j = 0;
        for (var r = 0; r < oldRows; r++)
        {
            if (!keep[r]) continue;
            if (j != r)
            {
                Array.Copy(_logits, (long)r * vocab, _logits, (long)j * vocab, vocab);
                _real[j] = _real[r];
            }

            j++;
        }

        // Plane by plane, in increasing order: a kept row only ever moves to a lower address, so nothing unread is overwritten.
        for (var buffer = 0; buffer < BufferCount; buffer++)
        {
            for (var plane = 0; plane < _planes; plane++)
            {
                var from = (long)plane * oldRows * rowBytes;
                var to = (long)plane * j * rowBytes;
                var w = 0;
                for (var r = 0; r < oldRows; r++)
                {
                    if (!keep[r]) continue;
                    if (from + r * rowBytes != to + w * rowBytes) MoveWithin(buffer, from + r * rowBytes, to + w * rowBytes, rowBytes);
                    w++;
                }
            }
        }

        Rows = j;
        if (_rightAligned) Unbind();
        if (Rows == 0)
        {
            Length = 0;
            if (!_rightAligned) _stride = 0;
            return;
        }

        var longest = 0;
        for (var r = 0; r < Rows; r++) longest = Math.Max(longest, _real[r]);
        if (!_rightAligned && longest < Length) Relayout(longest);
        Length = longest;
    }

    /// <summary>Standard graphs: re-lays every row's cache for a new shared length (more or less left padding), via the spare buffers.</summary>
    private void Relayout(int newLength)
    {
        var hs = _sig.HeadSize;
        var heads = _sig.KeyValueHeads;
        var width = _sig.KvWidth;
        EnsureCapacity(Rows, Math.Max(newLength, Length) + 1);
        var oldStride = _stride;
        for (var b = 0; b < _past.Length; b++)
        {
            var src = _past[b];
            var dst = _present[b];
            for (var plane = 0; plane < _planes; plane++)
            {
                var srcPlane = (long)plane * Rows * width * oldStride * _es;
                var dstPlane = (long)plane * Rows * width * newLength * _es;
                for (var r = 0; r < Rows; r++)
                {
                    var real = _real[r];
                    for (var h = 0; h < heads; h++)
                    {
                        var srcHead = srcPlane + ((long)r * width * oldStride + (long)h * oldStride * hs) * _es;
                        var dstHead = dstPlane + ((long)r * width * newLength + (long)h * newLength * hs) * _es;
                        var pad = newLength - real;
                        if (pad > 0) Array.Clear(dst, (int)dstHead, pad * hs * _es);
                        Array.Copy(src, srcHead + (long)(oldStride - real) * hs * _es, dst, dstHead + (long)pad * hs * _es, (long)real * hs * _es);
                    }
                }
            }
        }

        (_past, _present) = (_present, _past);
        Length = newLength;
        _stride = newLength;
    }

    /// <summary>Right-aligned graphs: moves every row into buffers of a larger per-row capacity.</summary>
    private void Restride(int newStride)
    {
        var hs = _sig.HeadSize;
        var heads = _sig.KeyValueHeads;
        var width = _sig.KvWidth;
        var need = Math.Max(_capacity, (long)_planes * Math.Max(Rows, _real.Length) * width * newStride * _es);
        Unbind();
        var next = AllocateKv(_kv.Length, need);
        for (var b = 0; b < _kv.Length; b++)
        {
            for (var plane = 0; plane < _planes; plane++)
            {
                for (var r = 0; r < Rows; r++)
                {
                    for (var h = 0; h < heads; h++)
                    {
                        var src = ((long)plane * Rows * width * _stride + (long)r * width * _stride + (long)h * _stride * hs) * _es;
                        var dst = ((long)plane * Rows * width * newStride + (long)r * width * newStride + (long)h * newStride * hs) * _es;
                        next[b].Copy(_kv[b], src, dst, (long)_real[r] * hs * _es);
                    }
                }
            }
        }

        DisposeKv(_kv);
        _kv = next;
        _capacity = need;
        _stride = newStride;
        if (_mask.Length < _real.Length * newStride) _mask = GC.AllocateArray<long>(_real.Length * newStride, pinned: true);
        Unbind();
    }

    /// <summary>A right-aligned capacity that fits <paramref name="need"/> tokens: half again as large, within the context.</summary>
    private int Grow(int stride, int need) => Math.Min(_context, Math.Max(need, stride + stride / 2));

    /// <summary>
    /// Combined caches keep the value plane right after the key plane, so its offset follows the row count: shifts it
    /// when rows join (before the new rows are written).
    /// </summary>
    private void MovePlanes(int buffer, int oldRows, int newRows, long rowBytes)
    {
        if (_planes == 1 || oldRows == newRows || oldRows == 0) return;
        // Both copies are memmoves (a device copy stages): the overlapping shift to a higher offset is safe.
        MoveWithin(buffer, oldRows * rowBytes, newRows * rowBytes, oldRows * rowBytes);
    }

    /// <summary>KV buffers in the layout's storage: right-aligned ONNX Runtime allocations, else host arrays.</summary>
    private int BufferCount => _rightAligned ? _kv.Length : _past.Length;

    /// <summary>Moves bytes inside one KV buffer (overlap allowed).</summary>
    private void MoveWithin(int buffer, long from, long to, long bytes)
    {
        if (_rightAligned) _kv[buffer].Copy(_kv[buffer], from, to, bytes);
        else Array.Copy(_past[buffer], from, _past[buffer], to, bytes);
    }

    /// <summary>Copies part of a prefilled prompt's (host) cache into a KV buffer.</summary>
    private void WritePrompt(int buffer, byte[] source, long from, long to, long bytes)
    {
        if (_rightAligned) _kv[buffer].Write(source.AsSpan((int)from, (int)bytes), to);
        else Array.Copy(source, from, _past[buffer], to, bytes);
    }

    private KvBuffer[] AllocateKv(int count, long bytes)
    {
        var result = new KvBuffer[count];
        try
        {
            for (var i = 0; i < count; i++) result[i] = new KvBuffer(_kvAllocator, bytes, _copier);
            return result;
        }
        catch
        {
            DisposeKv(result);
            throw;
        }
    }

    private static void DisposeKv(KvBuffer[] buffers)
    {
        foreach (var b in buffers) b?.Dispose();
    }

    /// <summary>Grows the buffers (keeping the past's content) so <paramref name="rows"/> rows of <paramref name="length"/> fit.</summary>
    private void EnsureCapacity(int rows, int length)
    {
        var need = (long)_planes * rows * _sig.KvWidth * length * _es;
        if (need > _capacity)
        {
            var grown = Math.Max(need, _capacity + _capacity / 2);
            if (grown > Array.MaxLength) throw new InvalidOperationException($"KV cache of {rows} rows × {length} tokens does not fit in one buffer.");
            var used = (long)_planes * Rows * _sig.KvWidth * _stride * _es;
            Unbind();
            if (_rightAligned)
            {
                var kv = AllocateKv(_kv.Length, grown);
                for (var i = 0; i < kv.Length; i++) kv[i].Copy(_kv[i], 0, 0, used);
                DisposeKv(_kv);
                _kv = kv;
            }
            else
            {
                var past = Allocate(_past.Length, grown);
                for (var i = 0; i < past.Length; i++) Array.Copy(_past[i], past[i], used);
                _past = past;
                _present = Allocate(_present.Length, grown);
            }

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
            if (_logitsHalf is not null) _logitsHalf = GC.AllocateArray<ushort>(rows * _sig.VocabularySize, pinned: true);
            Unbind();
        }

        if (_mask.Length < rows * (length + 1))
        {
            _mask = GC.AllocateArray<long>(rows * (length + 1) * 3 / 2, pinned: true);
            Unbind();
        }
    }

    private void ConvertLogits(ReadOnlySpan<byte> raw, Span<float> into) => LogitsConversion.ToFloat(raw, _sig.LogitsElementType, into);

    private static byte[][] Allocate(int count, long bytes)
    {
        var result = new byte[count][];
        // Pinned so ONNX Runtime can read and write them in place; uninitialized because every byte is written before it is read.
        for (var i = 0; i < count; i++) result[i] = GC.AllocateUninitializedArray<byte>((int)bytes, pinned: true);
        return result;
    }

    /// <summary>The first element's address of a pinned array (allocated on the pinned object heap, so it never moves).</summary>
    private static nint Address(Array pinned) => Marshal.UnsafeAddrOfPinnedArrayElement(pinned, 0);

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

    /// <summary>A KV shape: <c>[rows, kvHeads, length, head]</c>, with a leading 2 for combined caches.</summary>
    private long[] Kv(long[] shape, long rows, long length)
    {
        var o = 0;
        if (_planes == 2) shape[o++] = 2;
        shape[o] = rows;
        shape[o + 1] = _sig.KeyValueHeads;
        shape[o + 2] = length;
        shape[o + 3] = _sig.HeadSize;
        return shape;
    }
}
