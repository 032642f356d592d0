namespace InferenceScaling.Runtime;

/// <summary>Kinds of <see cref="ExecutionDevice"/>.</summary>
internal enum ExecutionDeviceKind
{
    /// <summary>ONNX Runtime's CPU provider.</summary>
    Cpu,
    /// <summary>ONNX Runtime's CUDA provider (needs the <c>OrtFlavor=Cuda</c> build and CUDA 13 + cuDNN 9 libraries).</summary>
    Cuda,
    /// <summary>CUDA when it loads, otherwise CPU.</summary>
    Auto,
}
