using InferenceScaling.Runtime;
using InferenceScaling.Sampling;
using Microsoft.ML.OnnxRuntime;

namespace InferenceScaling.Tests.Runtime;

/// <summary>
/// Managed bytes per steady-state decode step (sampling every row, then one model run), counted on the loop's thread.
/// Not a timing: the figure is exact and does not depend on the machine's load. bench/'s SteadyDecodeStepBenchmark
/// reports the same figure under BenchmarkDotNet.
/// </summary>
public sealed class DecodeAllocationTests(LayoutModelsFixture fixture) : IClassFixture<LayoutModelsFixture>
{
    [Theory]
    [InlineData("optimum", 1)]
    [InlineData("optimum", 16)]
    [InlineData("genai-gqa", 1)]
    [InlineData("genai-gqa", 16)]
    [InlineData("fp16", 1)]
    [InlineData("fp16", 16)]
    public void SteadyStateStep_AllocatesNoManagedBytes(string layout, int rows) =>
        Assert.Equal(0, BytesPerSteps(fixture.Models[layout], rows, steps: 16));

    [Fact]
    public void Probe_CountsTheLoopsOwnAllocations()
    {
        // The same probe around a step in which a row leaves sees the finished trace being built: it is not blind.
        Assert.True(BytesPerSteps(fixture.Models["optimum"], rows: 4, steps: 16, leaveAtTheEnd: true) > 0);
    }

    private static long BytesPerSteps(DecoderModel model, int rows, int steps, bool leaveAtTheEnd = false)
    {
        var request = new TraceRequest
        {
            Prompt = "Q: Tom has 12 apples.",
            Count = rows,
            // With leaveAtTheEnd the rows reach their cap at the last measured step.
            Sampling = new SamplingOptions { Temperature = 0.8f, TopK = 40, TopP = 0.95f, Seed = 3, MaxTokens = leaveAtTheEnd ? 3 + steps : 3 + 3 * steps + 8, IgnoreEndOfSequence = true },
        };
        var prompt = DecodePlan.Encode(model, request);
        var plan = new DecodePlan(model, request, prompt.Length);
        using var ro = new RunOptions();
        using var loop = new DecodeLoop(model, rows, prompt.Length + plan.MaxLength);
        var traceRows = Enumerable.Range(0, rows).Select(plan.CreateRow).ToArray();
        loop.Admit(loop.Prefill(prompt, 512, ro), traceRows);
        var sink = new Sink();
        // Warm-up: the first step binds the buffers; later ones only run.
        for (var i = 0; i < 3; i++) Step(loop, sink, ro);
        // The fewest bytes over a few equal windows: a steady allocation shows in every window, while the thread's count
        // can move by a runtime event that is not the loop's (seen once in a full suite on a loaded machine, never alone).
        var allocated = long.MaxValue;
        var windows = leaveAtTheEnd ? 1 : 3;
        for (var w = 0; w < windows; w++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < steps; i++) Step(loop, sink, ro);
            allocated = Math.Min(allocated, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.Equal(leaveAtTheEnd ? rows : 0, sink.Finished);
        Assert.Equal(leaveAtTheEnd ? 0 : rows, loop.Rows);
        return allocated;
    }

    private static void Step(DecodeLoop loop, Sink sink, RunOptions ro)
    {
        loop.Sample(sink);
        loop.Run(ro);
    }

    /// <summary>Counts the rows that leave and builds their traces, as the generators do.</summary>
    private sealed class Sink : DecodeLoop.IRowSink
    {
        public int Finished { get; private set; }

        public bool CheckControl(TraceRow row) => false;

        public bool Drops(TraceRow row) => false;

        void DecodeLoop.IRowSink.Left(TraceRow row, FinishReason? reason)
        {
            Finished++;
            _ = row.ToTrace(reason!.Value, TimeSpan.Zero);
        }
    }
}
