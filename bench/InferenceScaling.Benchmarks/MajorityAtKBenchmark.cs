using BenchmarkDotNet.Attributes;
using InferenceScaling.Evaluation;

namespace InferenceScaling.Benchmarks;

/// <summary>The exact maj@k estimator for one problem's pool, as a sweep computes it for every budget.</summary>
[MemoryDiagnoser]
public class MajorityAtKBenchmark
{
    private int[] _counts = [];

    /// <summary>Pool size.</summary>
    [Params(32, 64)]
    public int PoolSize { get; set; }

    /// <summary>A plurality-correct pool with a long tail of singleton wrong answers.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var counts = new List<int> { PoolSize * 3 / 8, PoolSize / 4 };
        var left = PoolSize - counts[0] - counts[1];
        while (left > 0)
        {
            counts.Add(1);
            left--;
        }

        _counts = counts.ToArray();
    }

    /// <summary>maj@k at every k from 1 to the pool size.</summary>
    [Benchmark]
    public double AllBudgets()
    {
        double sum = 0;
        for (var k = 1; k <= PoolSize; k++) sum += MajorityVoteEstimator.MajorityAtK(_counts, 0, 0, k);
        return sum;
    }
}
