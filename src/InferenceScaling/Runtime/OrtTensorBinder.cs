using System.Runtime.InteropServices;
using System.Text;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceScaling.Runtime;

/// <summary>
/// Binds a tensor over memory the caller owns to an <see cref="OrtIoBinding"/> through ONNX Runtime's C API, with no
/// managed allocation: the managed API makes an <see cref="OrtValue"/> object per tensor and encodes the name on every
/// call, which a standard graph's step would pay for each of its KV tensors (they grow by one token per step, so they
/// cannot be bound once). Here the native value is created, bound (the binding keeps its own reference) and released
/// at once; names are encoded once (<see cref="Name"/>).
/// </summary>
/// <remarks>
/// The function table is the one ONNX Runtime's own C# layer reads (<see cref="OrtApi"/>, a public struct of the same
/// package, so its field order matches the library it ships with). Thread-safe: the calls touch only their arguments.
/// </remarks>
internal static unsafe partial class OrtTensorBinder
{
    /// <summary>
    /// The C API version asked for: every function used here exists from it on, and a library of any later version
    /// returns the same table (the table only grows at its end).
    /// </summary>
    private const uint ApiVersion = 14;

    private static readonly OrtApi* Api = LoadApi();

    /// <summary>A name as the C API takes it: UTF-8, zero-terminated, on the pinned heap (its address never moves).</summary>
    public static byte[] Name(string name)
    {
        var bytes = GC.AllocateArray<byte>(Encoding.UTF8.GetByteCount(name) + 1, pinned: true);
        Encoding.UTF8.GetBytes(name, bytes);
        return bytes;
    }

    /// <summary>
    /// Binds <paramref name="bytes"/> bytes at <paramref name="data"/> (memory described by <paramref name="info"/>)
    /// as a tensor of <paramref name="type"/> and <paramref name="shape"/> to input or output <paramref name="name"/>,
    /// replacing what was bound to it. The memory must stay valid while it is bound. Bound inputs on another device
    /// than the graph's are copied now, not at the run: rebind a host input after changing it.
    /// </summary>
    /// <exception cref="InvalidOperationException">ONNX Runtime refused the tensor or the name.</exception>
    public static void Bind(OrtIoBinding binding, bool output, byte[] name, OrtMemoryInfo info, nint data, long bytes, ReadOnlySpan<long> shape, TensorElementType type)
    {
        var api = Api;
        var create = (delegate* unmanaged<nint, nint, nuint, long*, nuint, int, nint*, nint>)api->CreateTensorWithDataAsOrtValue;
        nint value = 0;
        long scalar = 0;
        fixed (long* dims = shape)
            Check(create(info.DangerousGetHandle(), data, (nuint)bytes, shape.IsEmpty ? &scalar : dims, (nuint)shape.Length, (int)type, &value), name);
        try
        {
            var bind = (delegate* unmanaged<nint, byte*, nint, nint>)(output ? api->BindOutput : api->BindInput);
            fixed (byte* n = name) Check(bind(binding.DangerousGetHandle(), n, value), name);
        }
        finally
        {
            ((delegate* unmanaged<nint, void>)api->ReleaseValue)(value);
        }
    }

    private static void Check(nint status, byte[] name)
    {
        if (status == 0) return;
        var message = Marshal.PtrToStringUTF8(((delegate* unmanaged<nint, nint>)Api->GetErrorMessage)(status));
        ((delegate* unmanaged<nint, void>)Api->ReleaseStatus)(status);
        throw new InvalidOperationException($"ONNX Runtime cannot bind '{Encoding.UTF8.GetString(name, 0, name.Length - 1)}': {message}");
    }

    private static OrtApi* LoadApi()
    {
        // ONNX Runtime's managed layer loads the library first (same name, same process-wide handle).
        _ = OrtEnv.Instance();
        var getApi = (delegate* unmanaged<uint, OrtApi*>)OrtGetApiBase()->GetApi;
        var api = getApi(ApiVersion);
        if (api is null) throw new InvalidOperationException($"The ONNX Runtime library does not serve C API version {ApiVersion}.");
        return api;
    }

    [LibraryImport("onnxruntime")]
    private static partial OrtApiBase* OrtGetApiBase();
}
