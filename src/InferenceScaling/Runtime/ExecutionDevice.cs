using System.Globalization;

namespace InferenceScaling.Runtime;

/// <summary>Where the model runs: <c>cpu</c>, <c>cuda</c>, <c>cuda:N</c>, or <c>auto</c> (CUDA when it loads, else CPU).</summary>
public readonly record struct ExecutionDevice
{
    internal ExecutionDevice(ExecutionDeviceKind kind, int deviceId = 0)
    {
        Kind = kind;
        DeviceId = deviceId;
    }

    /// <summary>The device kind.</summary>
    internal ExecutionDeviceKind Kind { get; }

    /// <summary>The CUDA device ordinal (0 unless given).</summary>
    public int DeviceId { get; }

    /// <summary>The CPU (the default).</summary>
    public static ExecutionDevice Cpu => new(ExecutionDeviceKind.Cpu);

    /// <summary>CUDA when its libraries load, otherwise the CPU.</summary>
    public static ExecutionDevice Auto => new(ExecutionDeviceKind.Auto);

    /// <summary>CUDA device <paramref name="deviceId"/> (fails at load when CUDA cannot start).</summary>
    public static ExecutionDevice Cuda(int deviceId = 0) => new(ExecutionDeviceKind.Cuda, deviceId);

    /// <summary>Parses <c>cpu</c>, <c>cuda</c>, <c>cuda:N</c> or <c>auto</c> (case-insensitive).</summary>
    /// <exception cref="FormatException">Anything else; the message lists the accepted forms.</exception>
    public static ExecutionDevice Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var t = text.Trim().ToLowerInvariant();
        if (t == "cpu") return Cpu;
        if (t == "auto") return Auto;
        if (t == "cuda") return new(ExecutionDeviceKind.Cuda);
        if (t.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(t.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            return new(ExecutionDeviceKind.Cuda, id);
        throw new FormatException($"Unknown device '{text}': use cpu, cuda, cuda:N or auto.");
    }

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        ExecutionDeviceKind.Cuda => string.Create(CultureInfo.InvariantCulture, $"cuda:{DeviceId}"),
        ExecutionDeviceKind.Auto => "auto",
        _ => "cpu",
    };
}
