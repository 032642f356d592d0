using BenchmarkDotNet.Attributes;
using InferenceScaling.Runtime;
using InferenceScaling.Sampling;

namespace InferenceScaling.Benchmarks;

/// <summary>
/// A steady-state decode step as the generators run it: every row samples (temperature, top-k, top-p) and the model
/// runs once, rows already in the batch and bound. Rows join in <see cref="Rewind"/>, outside the measurement, so
/// Allocated / op is the managed allocation of one step.
/// </summary>
[MemoryDiagnoser]
public class SteadyDecodeStepBenchmark : DecodeStepBenchmarkBase
{
    private DecodeLoop _loop = null!;
    private DecodePlan _plan = null!;
    private PrefilledPrompt _prompt = null!;
    private readonly KeepAll _sink = new();

    protected override void SetUp()
    {
        var request = new TraceRequest
        {
            Prompt = Prompt,
            Count = Rows,
            Sampling = new SamplingOptions { Temperature = 0.8f, TopK = 40, TopP = 0.95f, Seed = 1, MaxTokens = Steps + 8, IgnoreEndOfSequence = true },
        };
        var ids = DecodePlan.Encode(Model, request);
        _plan = new DecodePlan(Model, request, ids.Length);
        _loop = new DecodeLoop(Model, Rows, ids.Length + _plan.MaxLength);
        _prompt = _loop.Prefill(ids, 512, RunOptions);
    }

    protected override void CleanUp() => _loop.Dispose();

    /// <summary>Fresh rows join and take one step (which binds the buffers), outside the measured steps.</summary>
    [IterationSetup]
    public void Rewind()
    {
        _loop.Clear();
        var rows = new TraceRow[Rows];
        for (var r = 0; r < rows.Length; r++) rows[r] = _plan.CreateRow(r);
        _loop.Admit(_prompt, rows);
        _loop.Sample(_sink);
        _loop.Run(RunOptions);
    }

    [Benchmark(OperationsPerInvoke = Steps)]
    public int DecodeSteps()
    {
        for (var i = 0; i < Steps; i++)
        {
            _loop.Sample(_sink);
            _loop.Run(RunOptions);
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
