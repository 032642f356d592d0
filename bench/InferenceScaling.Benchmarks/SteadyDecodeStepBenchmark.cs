using BenchmarkDotNet.Attributes;
using InferenceScaling.Runtime;
using InferenceScaling.Sampling;
using Microsoft.ML.OnnxRuntime;

namespace InferenceScaling.Benchmarks;

/// <summary>
/// A steady-state decode step as the generators run it: every row samples (temperature, top-k, top-p) and the model
/// runs once, rows already in the batch and bound. Rows join in <see cref="Rewind"/>, outside the measurement, so
/// Allocated / op is the managed allocation of one step. <see cref="Layout"/> <c>gqa</c> runs a GroupQueryAttention
/// graph (<c>INFSCALE_BENCH_GQA_MODEL</c>, else the tiny fixture), whose shared past/present buffer is bound once;
/// <c>standard</c> the benchmark model, whose tensors change shape every step.
/// </summary>
[MemoryDiagnoser]
public class SteadyDecodeStepBenchmark
{
    private const int Steps = 32;
    private DecoderModel _model = null!;
    private DecodeLoop _loop = null!;
    private DecodePlan _plan = null!;
    private PrefilledPrompt _prompt = null!;
    private RunOptions _runOptions = null!;
    private readonly KeepAll _sink = new();

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
        var request = new TraceRequest
        {
            Prompt = "Q: Tom has 12 apples. He buys 7 more.\nA:",
            Count = Rows,
            Sampling = new SamplingOptions { Temperature = 0.8f, TopK = 40, TopP = 0.95f, Seed = 1, MaxTokens = Steps + 8, IgnoreEndOfSequence = true },
        };
        var ids = DecodePlan.Encode(_model, request);
        _plan = new DecodePlan(_model, request, ids.Length);
        _loop = new DecodeLoop(_model, Rows, ids.Length + _plan.MaxLength);
        _prompt = _loop.Prefill(ids, 512, _runOptions);
    }

    /// <summary>Fresh rows join and take one step (which binds the buffers), outside the measured steps.</summary>
    [IterationSetup]
    public void Rewind()
    {
        _loop.Clear();
        var rows = new TraceRow[Rows];
        for (var r = 0; r < rows.Length; r++) rows[r] = _plan.CreateRow(r);
        _loop.Admit(_prompt, rows);
        _loop.Sample(_sink);
        _loop.Run(_runOptions);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _loop.Dispose();
        _runOptions.Dispose();
        _model.Dispose();
    }

    [Benchmark(OperationsPerInvoke = Steps)]
    public int DecodeSteps()
    {
        for (var i = 0; i < Steps; i++)
        {
            _loop.Sample(_sink);
            _loop.Run(_runOptions);
        }

        return _loop.Rows;
    }

    /// <summary>No row leaves: the rows' token cap is beyond the measured steps.</summary>
    private sealed class KeepAll : DecodeLoop.IRowSink
    {
        public bool CheckControl(TraceRow row) => false;

        public bool Drops(TraceRow row) => false;

        public void Left(TraceRow row, FinishReason? reason) => throw new InvalidOperationException("A row left during the measured steps.");
    }
}
