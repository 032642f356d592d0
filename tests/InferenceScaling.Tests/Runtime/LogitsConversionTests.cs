using System.Runtime.InteropServices;
using InferenceScaling.Runtime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceScaling.Tests.Runtime;

/// <summary>Every 16-bit logit converts to the float the scalar definition gives, vector body and tail alike.</summary>
public sealed class LogitsConversionTests
{
    /// <summary>All 65,536 bit patterns, one short of a multiple of the vector width, so the tail runs too.</summary>
    private static ushort[] AllPatterns() => Enumerable.Range(0, 65_536 - 1).Select(i => (ushort)i).ToArray();

    [Fact]
    public void Float16_EveryValueConvertsExactly()
    {
        var raw = AllPatterns();
        var into = new float[raw.Length];

        LogitsConversion.ToFloat(MemoryMarshal.AsBytes(raw.AsSpan()), TensorElementType.Float16, into);

        for (var i = 0; i < raw.Length; i++)
        {
            var expected = (float)BitConverter.UInt16BitsToHalf(raw[i]);
            if (float.IsNaN(expected)) Assert.True(float.IsNaN(into[i]), $"pattern {raw[i]:x4}");
            else Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(into[i]));
        }
    }

    [Fact]
    public void BFloat16_EveryValueIsTheFloatsUpperHalf()
    {
        var raw = AllPatterns();
        var into = new float[raw.Length];

        LogitsConversion.ToFloat(MemoryMarshal.AsBytes(raw.AsSpan()), TensorElementType.BFloat16, into);

        for (var i = 0; i < raw.Length; i++) Assert.Equal(raw[i] << 16, BitConverter.SingleToInt32Bits(into[i]));
    }

    [Fact]
    public void Float32_IsCopied()
    {
        float[] raw = [1.5f, -2f, float.NegativeInfinity];
        var into = new float[3];

        LogitsConversion.ToFloat(MemoryMarshal.AsBytes(raw.AsSpan()), TensorElementType.Float, into);

        Assert.Equal(raw, into);
    }

    [Fact]
    public void AnotherElementType_IsRefused()
    {
        var into = new float[1];
        Assert.Throws<ArgumentOutOfRangeException>(() => LogitsConversion.ToFloat(new byte[8], TensorElementType.Double, into));
    }
}
