using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceScaling.Runtime;

/// <summary>
/// One KV-cache buffer as an ONNX Runtime allocation: host memory from the CPU allocator, or device memory from a
/// session's CUDA allocator, so the cache never leaves the device between steps. The decode batch binds views of it
/// (<see cref="View"/>) as a step's past and present, and moves rows inside and between buffers with
/// <see cref="Copy"/>: a memory copy on the host, a <see cref="KvCopier"/> run on a device.
/// </summary>
/// <remarks>Not thread-safe. Owns its allocation (the one native resource here).</remarks>
internal sealed unsafe class KvBuffer : IDisposable
{
    /// <summary>The allocation.</summary>
    private readonly OrtMemoryAllocation _memory;

    /// <summary>Whether the memory is the host's (copies are plain memory copies).</summary>
    private readonly bool _host;

    /// <summary>The allocator (not owned), for staging overlapping device moves.</summary>
    private readonly OrtAllocator _allocator;

    /// <summary>Runs copies where either side is not plain host memory (null when both always are).</summary>
    private readonly KvCopier? _copier;

    /// <param name="allocator">Where the memory comes from.</param>
    /// <param name="bytes">Size.</param>
    /// <param name="copier">
    /// Runs the copies of device memory; given for host memory too, copies go through it as well (tests run the
    /// device path on the CPU). Null: host memory, plain copies.
    /// </param>
    public KvBuffer(OrtAllocator allocator, long bytes, KvCopier? copier = null)
    {
        _allocator = allocator;
        _copier = copier;
        if (bytes > uint.MaxValue) throw new InvalidOperationException($"A KV-cache buffer of {bytes} bytes is larger than one ONNX Runtime allocation (4 GB).");
        _memory = allocator.Allocate((uint)Math.Max(1, bytes));
        _host = copier is null;
        if (_host && _memory.Info.GetDeviceType() != OrtMemoryInfoDeviceType.CPU)
        {
            _memory.Dispose();
            throw new ArgumentException("Device memory needs a copier.", nameof(copier));
        }
        Bytes = bytes;
    }

    /// <summary>Bytes the buffer holds.</summary>
    public long Bytes { get; }

    /// <summary>The allocation's address (a SafeHandle's handle is the pointer ONNX Runtime allocated).</summary>
    public nint Address => _memory.DangerousGetHandle();

    /// <summary>Where the allocation lives (host or device memory), for binding tensors over it.</summary>
    public OrtMemoryInfo Info => _memory.Info;

    /// <summary>Whether copies are plain memory copies (host memory, no forced transfer).</summary>
    public bool IsHost => _host;

    /// <summary>A tensor over the buffer's first bytes, for binding (the value does not own the memory).</summary>
    public OrtValue View(TensorElementType type, long[] shape, long bytes) =>
        OrtValue.CreateTensorValueWithData(_memory.Info, type, shape, Address, bytes);

    /// <summary>Copies <paramref name="bytes"/> from <paramref name="source"/> at <paramref name="from"/> to this buffer at <paramref name="to"/> (overlap allowed within one host buffer).</summary>
    public void Copy(KvBuffer source, long from, long to, long bytes)
    {
        if (bytes <= 0) return;
        Check(source, from, bytes);
        Check(this, to, bytes);
        if (_host && source._host)
        {
            // Buffer.MemoryCopy is a memmove: rows moving down inside one buffer are safe.
            Buffer.MemoryCopy((byte*)source.Address + from, (byte*)Address + to, Bytes - to, bytes);
            return;
        }

        DeviceCopy(source._memory.Info, source.Address + (nint)from, Address + (nint)to, bytes);
    }

    /// <summary>Copies host bytes (a prefilled prompt's cache) into this buffer at <paramref name="to"/>.</summary>
    public void Write(ReadOnlySpan<byte> source, long to)
    {
        if (source.IsEmpty) return;
        Check(this, to, source.Length);
        fixed (byte* from = source)
        {
            if (_host)
            {
                Buffer.MemoryCopy(from, (byte*)Address + to, Bytes - to, source.Length);
                return;
            }

            DeviceCopy(OrtMemoryInfo.DefaultInstance, (nint)from, Address + (nint)to, source.Length);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _memory.Dispose();

    /// <summary>A copy where either side is device memory, run by the copier over byte views of both sides.</summary>
    private void DeviceCopy(OrtMemoryInfo sourceInfo, nint from, nint to, long bytes)
    {
        long[] shape = [bytes];
        using var src = OrtValue.CreateTensorValueWithData(sourceInfo, TensorElementType.UInt8, shape, from, bytes);
        using var dst = OrtValue.CreateTensorValueWithData(_memory.Info, TensorElementType.UInt8, shape, to, bytes);
        // A memmove on the device is not promised: an overlapping move inside one buffer goes through a staging buffer.
        if (sourceInfo.Equals(_memory.Info) && Math.Abs(from - to) < bytes)
        {
            using var staging = new KvBuffer(_allocator, bytes, _copier);
            using var mid = staging.View(TensorElementType.UInt8, shape, bytes);
            _copier!.Copy(src, mid);
            _copier.Copy(mid, dst);
            return;
        }

        _copier!.Copy(src, dst);
    }

    private static void Check(KvBuffer buffer, long offset, long bytes)
    {
        if (offset < 0 || offset + bytes > buffer.Bytes)
            throw new ArgumentOutOfRangeException(nameof(offset), $"A copy of {bytes} bytes at {offset} leaves a KV buffer of {buffer.Bytes} bytes.");
    }
}
