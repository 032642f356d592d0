namespace InferenceScaling.Runtime;

/// <summary>How a model folder is loaded. Immutable; copy with <c>with</c>.</summary>
public sealed record DecoderModelOptions
{
    /// <summary>Where the model runs. Default <see cref="ExecutionDevice.Cpu"/>.</summary>
    public ExecutionDevice Device { get; init; } = ExecutionDevice.Cpu;

    /// <summary>ONNX Runtime intra-op threads; 0 lets ONNX Runtime choose (one per physical core). Default 0.</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>
    /// Which graph of a folder that holds several to load (<c>--variant</c>): a path relative to the folder
    /// (<c>onnx/model_q4.onnx</c>), a file stem (<c>model_fp16</c>) or a stem without <c>model_</c> (<c>fp16</c>).
    /// Default null: the rule documented on <see cref="DecoderModel.Load"/> picks (genai_config.json's file, then
    /// <c>model.onnx</c>, then <c>onnx/model.onnx</c>, float16 first on CUDA); <see cref="DecoderModel.GraphFile"/>
    /// says which.
    /// </summary>
    public string? Variant { get; init; }

    /// <summary>Context length to assume when the folder's config files give none. Default 2048.</summary>
    public int FallbackContextLength { get; init; } = 2048;
}
