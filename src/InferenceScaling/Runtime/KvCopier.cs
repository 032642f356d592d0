using Microsoft.ML.OnnxRuntime;

namespace InferenceScaling.Runtime;

/// <summary>
/// Copies bytes between ONNX Runtime tensors wherever they live, by running a one-node <c>Identity</c> graph on the
/// model's execution provider with both sides bound through <see cref="OrtIoBinding"/>: a device-to-device copy runs
/// as the provider's own copy kernel, a host-to-device one goes through its input transfer. (ONNX Runtime's
/// <c>OrtEnv.CopyTensors</c> needs data transfers registered by plugin execution-provider libraries; the CUDA provider
/// appended to session options registers none.) Used only when rows move (join, leave, buffers grow), never per step.
/// </summary>
/// <remarks>Thread-safe: each copy binds its own values on the shared session. Owns the session.</remarks>
internal sealed class KvCopier : IDisposable
{
    /// <summary><c>y = Identity(x)</c> over 1-D uint8, opset 17 (70 bytes, written with the onnx Python helper).</summary>
    private const string IdentityGraph = "CAg6PAoQCgF4EgF5IghJZGVudGl0eRIEY29weVoQCgF4EgsKCQgCEgUKAxIBbmIQCgF5EgsKCQgCEgUKAxIBbkIECgAQEQ==";

    /// <summary>The copy graph's session.</summary>
    private readonly InferenceSession _session;

    /// <summary>Run options for the copies.</summary>
    private readonly RunOptions _runOptions = new();

    /// <summary>A copier on <paramref name="device"/> (CPU, or the CUDA device the model runs on).</summary>
    public KvCopier(ExecutionDevice device)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL, IntraOpNumThreads = 1 };
        if (device.Kind != ExecutionDeviceKind.Cpu) options.AppendExecutionProvider_CUDA(device.DeviceId);
        _session = new InferenceSession(Convert.FromBase64String(IdentityGraph), options);
    }

    /// <summary>Copies <paramref name="source"/> into <paramref name="destination"/> (1-D uint8 views of equal length, not overlapping).</summary>
    public void Copy(OrtValue source, OrtValue destination)
    {
        using var binding = _session.CreateIoBinding();
        binding.BindInput("x", source);
        binding.BindOutput("y", destination);
        _session.RunWithBinding(_runOptions, binding);
        binding.SynchronizeBoundOutputs();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _session.Dispose();
        _runOptions.Dispose();
    }
}
