using BenchmarkDotNet.Attributes;
using InferenceScaling.Runtime;
using Microsoft.ML.OnnxRuntime;

namespace InferenceScaling.Benchmarks;

/// <summary>
/// The bare decode loop: <see cref="Steps"/> steps of a batch of <see cref="Rows"/> forked rows, no sampling or trace
/// bookkeeping. Allocated bytes per operation ÷ <see cref="Steps"/> = managed allocation per decode step.
/// <see cref="Layout"/> <c>standard</c> runs the benchmark model (rows left-padded, tensors re-created per step);
/// <c>gqa</c> runs its GroupQueryAttention export (<c>INFSCALE_BENCH_GQA_MODEL</c>, else the tiny fixture), whose
/// shared past/present buffer is bound once.
/// </summary>
[MemoryDiagnoser]
public class DecodeStepBenchmark
{
    private const int Steps = 32;
    private DecoderModel _model = null!;
    private DecodeBatch _batch = null!;
    private PrefilledPrompt _prompt = null!;
    private RunOptions _runOptions = null!;
    private int[] _tokens = null!;

    /// <summary>Rows decoded together.</summary>
    [Params(1, 16)]
    public int Rows { get; set; }

    /// <summary>Which attention kind's graph runs.</summary>
    [Params("standard", "gqa")]
    public string Layout { get; set; } = "standard";

    [GlobalSetup]
    public void Setup()
    {
        var folder = Layout == "gqa" ? BenchmarkModel.GqaFolder() : BenchmarkModel.Folder();
        _model = DecoderModel.Load(folder, new DecoderModelOptions { IntraOpThreads = 2 });
        _runOptions = new RunOptions();
        _batch = new DecodeBatch(_model, Rows, 64);
        _prompt = _batch.Prefill(_model.Tokenizer.Encode("Q: Tom has 12 apples. He buys 7 more.\nA:"), 512, _runOptions);
        _tokens = Enumerable.Repeat(_model.Tokenizer.Encode("1")[0], Rows).ToArray();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _batch.Dispose();
        _runOptions.Dispose();
        _model.Dispose();
    }

    [Benchmark(OperationsPerInvoke = Steps)]
    public int DecodeSteps()
    {
        _batch.Clear();
        _batch.Admit(_prompt, Rows);
        for (var i = 0; i < Steps; i++) _batch.Step(_tokens, _runOptions);
        return _batch.Length;
    }
}
