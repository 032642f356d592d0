using BenchmarkDotNet.Attributes;
using InferenceScaling.Runtime;

namespace InferenceScaling.Benchmarks;

/// <summary>
/// The bare decode loop: <see cref="DecodeStepBenchmarkBase.Steps"/> steps of a batch of forked rows, no sampling or
/// trace bookkeeping; the rows join inside the operation.
/// </summary>
[MemoryDiagnoser]
public class DecodeStepBenchmark : DecodeStepBenchmarkBase
{
    private DecodeBatch _batch = null!;
    private PrefilledPrompt _prompt = null!;
    private int[] _tokens = null!;

    protected override void SetUp()
    {
        _batch = new DecodeBatch(Model, Rows, 64);
        _prompt = _batch.Prefill(Model.Tokenizer.Encode(Prompt), 512, RunOptions);
        _tokens = Enumerable.Repeat(Model.Tokenizer.Encode("1")[0], Rows).ToArray();
    }

    protected override void CleanUp() => _batch.Dispose();

    [Benchmark(OperationsPerInvoke = Steps)]
    public int DecodeSteps()
    {
        _batch.Clear();
        _batch.Admit(_prompt, Rows);
        for (var i = 0; i < Steps; i++) _batch.Step(_tokens, RunOptions);
        return _batch.Length;
    }
}
