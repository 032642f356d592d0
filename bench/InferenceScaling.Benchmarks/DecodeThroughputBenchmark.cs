using BenchmarkDotNet.Attributes;
using InferenceScaling.Runtime;
using InferenceScaling.Sampling;

namespace InferenceScaling.Benchmarks;

/// <summary>
/// Decode throughput: N traces of one prompt, prefilled once and decoded as one batch, exactly
/// <see cref="Tokens"/> tokens each (end-of-sequence ignored). Tokens/s = Traces × Tokens / Mean.
/// </summary>
[MemoryDiagnoser]
public class DecodeThroughputBenchmark
{
    private DecoderModel _model = null!;
    private OnnxTraceGenerator _generator = null!;
    private TraceRequest _request = null!;

    /// <summary>Traces decoded together.</summary>
    [Params(1, 4, 16, 64)]
    public int Traces { get; set; }

    /// <summary>Tokens per trace.</summary>
    public int Tokens { get; set; } = 64;

    [GlobalSetup]
    public void Setup()
    {
        _model = DecoderModel.Load(BenchmarkModel.Folder(), new DecoderModelOptions { IntraOpThreads = 2 });
        _generator = new OnnxTraceGenerator(_model);
        _request = new TraceRequest
        {
            Prompt = "Q: Tom has 12 apples. He buys 7 more. Then he triples them. How many apples does he have now?\nA:",
            Count = Traces,
            Sampling = new SamplingOptions { Temperature = 0.8f, Seed = 1, MaxTokens = Tokens, IgnoreEndOfSequence = true },
        };
    }

    [GlobalCleanup]
    public void Cleanup() => _model.Dispose();

    [Benchmark]
    public async Task<int> Generate()
    {
        var n = 0;
        await foreach (var t in _generator.GenerateAsync(_request)) n += t.DecodeSteps;
        return n;
    }
}
