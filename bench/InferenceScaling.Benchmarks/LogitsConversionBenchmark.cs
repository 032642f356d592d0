using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using InferenceScaling.Runtime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceScaling.Benchmarks;

/// <summary>
/// One row of a float16 or bfloat16 graph's logits (Qwen2.5's 151,936 tokens) into the float buffer sampling reads:
/// the engine's conversion against the scalar loop it replaced (the baseline).
/// </summary>
[MemoryDiagnoser]
public class LogitsConversionBenchmark
{
    private const int Vocabulary = 151_936;
    private readonly ushort[] _raw = new ushort[Vocabulary];
    private readonly float[] _into = new float[Vocabulary];

    [Params(TensorElementType.Float16, TensorElementType.BFloat16)]
    public TensorElementType Type { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        for (var i = 0; i < _raw.Length; i++)
        {
            var logit = (float)(random.NextDouble() * 30 - 15);
            _raw[i] = Type == TensorElementType.Float16 ? BitConverter.HalfToUInt16Bits((Half)logit) : (ushort)(BitConverter.SingleToInt32Bits(logit) >> 16);
        }
    }

    [Benchmark(Baseline = true)]
    public float Scalar()
    {
        if (Type == TensorElementType.Float16)
            for (var i = 0; i < _raw.Length; i++) _into[i] = (float)BitConverter.UInt16BitsToHalf(_raw[i]);
        else
            for (var i = 0; i < _raw.Length; i++) _into[i] = BitConverter.Int32BitsToSingle(_raw[i] << 16);
        return _into[^1];
    }

    [Benchmark]
    public float Engine()
    {
        LogitsConversion.ToFloat(MemoryMarshal.AsBytes(_raw.AsSpan()), Type, _into);
        return _into[^1];
    }
}
