using InferenceScaling.Runtime;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using static InferenceScaling.Tests.Runtime.DecodeAssertions;

namespace InferenceScaling.Tests.Runtime;

/// <summary>
/// KV buffers as ONNX Runtime allocations: copies inside and between buffers on the host, and the device path (a
/// copy graph run through IoBinding, staging for overlapping moves) run on the CPU provider, which is all this machine
/// can run of it: the CUDA allocator and provider are exercised only by tools/gpu-check.
/// </summary>
public sealed class KvBufferTests(LayoutModelsFixture fixture) : IClassFixture<LayoutModelsFixture>, IDisposable
{
    private readonly KvCopier _copier = new(ExecutionDevice.Cpu);

    public void Dispose() => _copier.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Copies_WriteReadAndMoveOverlappingRanges_AsAMemmove(bool transfer)
    {
        using var buffer = new KvBuffer(OrtAllocator.DefaultInstance, 16, transfer ? _copier : null);
        Assert.Equal(!transfer, buffer.IsHost);
        buffer.Write([1, 2, 3, 4, 5, 6, 7, 8], 0);
        // Overlapping shift to a higher offset (a combined cache's value plane making room for new rows).
        buffer.Copy(buffer, 0, 4, 8);
        using var other = new KvBuffer(OrtAllocator.DefaultInstance, 16, transfer ? _copier : null);
        other.Copy(buffer, 0, 0, 16);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 1, 2, 3, 4, 5, 6, 7, 8 }, Read(other, 12));
    }

    [Fact]
    public void Copies_OutsideTheBuffer_AreRefused()
    {
        using var buffer = new KvBuffer(OrtAllocator.DefaultInstance, 8);
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.Write(new byte[4], 6));
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.Copy(buffer, 4, 0, 5));
    }

    [Fact]
    public void RightAlignedBatch_ThroughTheDeviceCopyPath_DecodesEachRowAsAlone()
    {
        var model = fixture.Models["genai-gqa"];
        using var ro = new RunOptions();
        var prompts = fixture.Cases.Select(c => c.PromptIds).ToArray();
        var alone = prompts.Select(p => GreedyAlone(model, p, 12, ro)).ToArray();
        // 8 tokens of capacity: buffers grow and restride on the way; a row leaves mid-way (rows move down).
        using var batch = new DecodeBatch(model, 1, 8, _copier);
        foreach (var p in prompts) batch.Admit(batch.Prefill(p, 512, ro), 1);
        var produced = prompts.Select(_ => new List<int>()).ToList();
        var live = Enumerable.Range(0, prompts.Length).ToList();
        for (var step = 0; step < 12; step++)
        {
            var next = new int[live.Count];
            for (var r = 0; r < live.Count; r++) produced[live[r]].Add(next[r] = ArgMax(batch.LogitsOf(r)));
            if (step == 4)
            {
                var keep = live.Select(i => i != 1).ToArray();
                batch.Remove(keep);
                next = next.Where((_, r) => keep[r]).ToArray();
                live.Remove(1);
            }

            batch.Step(next, ro);
        }

        for (var i = 0; i < prompts.Length; i++) Assert.Equal(alone[i].Take(produced[i].Count), produced[i]);
    }

    private static byte[] Read(KvBuffer buffer, int bytes)
    {
        using var view = buffer.View(TensorElementType.UInt8, [bytes], bytes);
        return view.GetTensorDataAsSpan<byte>().ToArray();
    }
}
