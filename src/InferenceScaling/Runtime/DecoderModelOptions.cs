namespace InferenceScaling.Runtime;

/// <summary>How a model folder is loaded. Immutable; copy with <c>with</c>.</summary>
public sealed record DecoderModelOptions
{
    /// <summary>Where the model runs. Default <see cref="ExecutionDevice.Cpu"/>.</summary>
    public ExecutionDevice Device { get; init; } = ExecutionDevice.Cpu;

    /// <summary>ONNX Runtime intra-op threads; 0 lets ONNX Runtime choose (one per physical core). Default 0.</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>
    /// Longest prompt chunk run in one prefill pass. Real exports return logits for every position, so chunking keeps
    /// prefill memory at chunk × vocabulary floats. Default 512.
    /// </summary>
    public int PrefillChunkTokens { get; init; } = 512;

    /// <summary>Context length to assume when the folder's config files give none. Default 2048.</summary>
    public int FallbackContextLength { get; init; } = 2048;
}
