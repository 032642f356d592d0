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
    [InlineData(1)]
    [InlineData(16)]
    public void SteadyStateStep_OnASharedPastPresentBuffer_AllocatesNoManagedBytes(int rows) =>
        Assert.Equal(0, BytesPerSteps(fixture.Models["genai-gqa"], rows, steps: 16));

    [Fact]
    public void SteadyStateStep_OnAStandardGraph_AllocatesItsPerStepTensorWrappers()
    {
        // The same probe sees allocation where there is some: standard graphs wrap their growing tensors anew each step.
        Assert.True(BytesPerSteps(fixture.Models["optimum"], rows: 4, steps: 16) > 0);
    }

    private static long BytesPerSteps(DecoderModel model, int rows, int steps)
    {
        var request = new TraceRequest
        {
            Prompt = "Q: Tom has 12 apples.",
            Count = rows,
            Sampling = new SamplingOptions { Temperature = 0.8f, TopK = 40, TopP = 0.95f, Seed = 3, MaxTokens = 60, IgnoreEndOfSequence = true },
        };
        var prompt = DecodePlan.Encode(model, request);
        var plan = new DecodePlan(model, request, prompt.Length);
        using var ro = new RunOptions();
        using var loop = new DecodeLoop(model, rows, prompt.Length + plan.MaxLength);
        var traceRows = Enumerable.Range(0, rows).Select(plan.CreateRow).ToArray();
        loop.Admit(loop.Prefill(prompt, 512, ro), traceRows);
        var sink = new KeepAll();
        // Warm-up: the first step binds the buffers; later ones only run.
        for (var i = 0; i < 3; i++) Step(loop, sink, ro);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < steps; i++) Step(loop, sink, ro);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(rows, loop.Rows);
        return allocated;
    }

    private static void Step(DecodeLoop loop, KeepAll sink, RunOptions ro)
    {
        Assert.False(loop.Sample(sink));
        loop.Run(ro);
    }

    private sealed class KeepAll : DecodeLoop.IRowSink
    {
        public bool CheckControl(TraceRow row) => false;

        public bool Drops(TraceRow row) => false;

        public void Left(TraceRow row, FinishReason? reason) => throw new InvalidOperationException("No row may leave.");
    }
}
