using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceScaling.Runtime;

/// <summary>
/// Logits of a float16 or bfloat16 graph as the floats sampling reads, written into a buffer the caller reuses. Both
/// conversions are exact (every 16-bit value has one float) and vectorized: with a real vocabulary the scalar loop
/// cost a batch milliseconds per step (bench/README.md, <c>LogitsConversionBenchmark</c>).
/// </summary>
internal static class LogitsConversion
{
    /// <summary>Converts <paramref name="raw"/> (elements of <paramref name="type"/>) into <paramref name="into"/>.</summary>
    public static void ToFloat(ReadOnlySpan<byte> raw, TensorElementType type, Span<float> into)
    {
        switch (type)
        {
            case TensorElementType.Float:
                MemoryMarshal.Cast<byte, float>(raw).CopyTo(into);
                break;
            case TensorElementType.Float16:
                TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(raw), into);
                break;
            case TensorElementType.BFloat16:
                FromBFloat16(MemoryMarshal.Cast<byte, ushort>(raw), into);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(type), type, "Logits must be float32, float16 or bfloat16.");
        }
    }

    /// <summary>A bfloat16 is a float's upper 16 bits: widen and shift, a vector of 16-bit values at a time.</summary>
    private static void FromBFloat16(ReadOnlySpan<ushort> raw, Span<float> into)
    {
        var i = 0;
        var width = Vector<ushort>.Count;
        var half = Vector<uint>.Count;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i + width <= raw.Length; i += width)
            {
                Vector.Widen(new Vector<ushort>(raw.Slice(i, width)), out var lo, out var hi);
                Vector.AsVectorSingle(Vector.ShiftLeft(lo, 16)).CopyTo(into.Slice(i, half));
                Vector.AsVectorSingle(Vector.ShiftLeft(hi, 16)).CopyTo(into.Slice(i + half, half));
            }
        }

        for (; i < raw.Length; i++) into[i] = BitConverter.Int32BitsToSingle(raw[i] << 16);
    }
}
