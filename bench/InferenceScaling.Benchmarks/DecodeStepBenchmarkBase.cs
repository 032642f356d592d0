using BenchmarkDotNet.Attributes;
using InferenceScaling.Runtime;
using Microsoft.ML.OnnxRuntime;

namespace InferenceScaling.Benchmarks;

/// <summary>
/// What the decode-step benchmarks share: the model of the chosen <see cref="Layout"/> (<c>standard</c>: the benchmark
/// model, whose tensors change shape every step; <c>gqa</c>: a GroupQueryAttention graph, <c>INFSCALE_BENCH_GQA_MODEL</c>
/// else the tiny fixture, whose shared past/present buffer is bound once), the batch size, the prompt, and
/// <see cref="Steps"/> steps per operation, so Allocated / op is the managed allocation of one step.
/// </summary>
public abstract class DecodeStepBenchmarkBase
{
    /// <summary>Decode steps per benchmark operation.</summary>
    protected const int Steps = 32;

    /// <summary>The prompt the rows continue.</summary>
    protected const string Prompt = "Q: Tom has 12 apples. He buys 7 more.\nA:";

    /// <summary>Rows decoded together.</summary>
    [Params(1, 16)]
    public int Rows { get; set; }

    /// <summary>Which attention kind's graph runs.</summary>
    [Params("standard", "gqa")]
    public string Layout { get; set; } = "standard";

    /// <summary>The loaded model (2 intra-op threads).</summary>
    protected DecoderModel Model { get; private set; } = null!;

    /// <summary>Run options for every prefill and step.</summary>
    protected RunOptions RunOptions { get; private set; } = null!;

    [GlobalSetup]
    public void Setup()
    {
        Model = DecoderModel.Load(Layout == "gqa" ? BenchmarkModel.GqaFolder() : BenchmarkModel.Folder(), new DecoderModelOptions { IntraOpThreads = 2 });
        RunOptions = new RunOptions();
        SetUp();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        CleanUp();
        RunOptions.Dispose();
        Model.Dispose();
    }

    /// <summary>The benchmark's own set-up, once <see cref="Model"/> is loaded.</summary>
    protected abstract void SetUp();

    /// <summary>Releases what <see cref="SetUp"/> made, before the model goes.</summary>
    protected abstract void CleanUp();
}
