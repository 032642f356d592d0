using BenchmarkDotNet.Attributes;
using InferenceScaling.Sampling;

namespace InferenceScaling.Benchmarks;

/// <summary>
/// One row's draw as the decode loop makes it, per step: the log-partition, the top-5 confidence list and the draw,
/// over the shipped model's vocabulary (512) and Qwen2.5's (151,936), under the whole-vocabulary setting the peer
/// benchmark uses, Qwen2.5-Math's own defaults (top-k 20, top-p 0.8) and top-p alone. The logits are a fixed
/// seeded row shaped like a language model's (a few likely tokens over a long tail), 16 rows in rotation.
/// </summary>
[MemoryDiagnoser]
public class SamplerBenchmark
{
    private const int Rows = 16;
    private float[][] _logits = null!;
    private TokenSampler _sampler = null!;
    private SamplingOptions _options = null!;
    private RowRandom _random;

    [Params(512, 151_936)]
    public int Vocabulary { get; set; }

    [Params("T=0.8", "top-k 20, top-p 0.8", "top-p 0.95")]
    public string Setting { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        _logits = new float[Rows][];
        for (var r = 0; r < Rows; r++)
        {
            var row = _logits[r] = new float[Vocabulary];
            // A Gumbel-like tail with a handful of strong candidates, as a trained model's next-token logits look.
            for (var i = 0; i < row.Length; i++) row[i] = (float)(-Math.Log(-Math.Log(random.NextDouble() * 0.999 + 0.0005)) * 1.5);
            for (var j = 0; j < 5; j++) row[random.Next(row.Length)] += 12 - 2 * j;
        }

        _sampler = new TokenSampler(Vocabulary);
        _options = Setting switch
        {
            "T=0.8" => new SamplingOptions { Temperature = 0.8f },
            "top-k 20, top-p 0.8" => new SamplingOptions { Temperature = 0.7f, TopK = 20, TopP = 0.8f },
            _ => new SamplingOptions { Temperature = 0.8f, TopP = 0.95f },
        };
        _random = new RowRandom(7, 0);
    }

    [Benchmark(OperationsPerInvoke = Rows)]
    public int Draw()
    {
        var sum = 0;
        for (var r = 0; r < Rows; r++) sum += _sampler.Sample(_logits[r], _options, ref _random, out _, out _, []);
        return sum;
    }
}
