using InferenceScaling.Runtime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceScaling.Tests.Runtime;

/// <summary>Which graph a folder loads (onnx-community variants, genai_config.json's file), and what load refuses.</summary>
public sealed class ModelDiscoveryTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "infscale-discovery-" + Guid.NewGuid().ToString("N"));

    public ModelDiscoveryTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>An onnx-community folder: config and tokenizer at the root, graphs in onnx/.</summary>
    private void CommunityFolder()
    {
        var optimum = RepoPaths.Layout("optimum");
        foreach (var f in new[] { "config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json" })
            File.Copy(Path.Combine(optimum, f), Path.Combine(_dir, f));
        var onnx = Directory.CreateDirectory(Path.Combine(_dir, "onnx")).FullName;
        File.Copy(Path.Combine(optimum, "model.onnx"), Path.Combine(onnx, "model.onnx"));
        // The float16 graph names its external data file, so it keeps its name.
        foreach (var f in new[] { "model_fp16.onnx", "model_fp16.onnx_data" }) File.Copy(Path.Combine(RepoPaths.Layout("fp16"), f), Path.Combine(onnx, f));
    }

    private void BadGraph(string name)
    {
        foreach (var f in new[] { "tokenizer.json", "tokenizer_config.json", "config.json" })
            File.Copy(Path.Combine(RepoPaths.Layout("optimum"), f), Path.Combine(_dir, f));
        File.Copy(Path.Combine(RepoPaths.Layout("bad"), name), Path.Combine(_dir, "model.onnx"));
    }

    [Fact]
    public void CommunityFolder_LoadsOnnxModelOnnx_ByTheDefaultRule()
    {
        CommunityFolder();
        using var model = DecoderModel.Load(_dir);
        Assert.Equal("onnx/model.onnx", model.GraphFile);
        Assert.Equal("default rule", model.GraphChoice);
        Assert.Equal(TensorElementType.Float, model.Signature.CacheElementType);
    }

    [Theory]
    [InlineData("fp16")]
    [InlineData("model_fp16")]
    [InlineData("onnx/model_fp16.onnx")]
    public void CommunityFolder_Variant_PicksTheNamedGraph(string variant)
    {
        CommunityFolder();
        using var model = DecoderModel.Load(_dir, new DecoderModelOptions { Variant = variant });
        Assert.Equal("onnx/model_fp16.onnx", model.GraphFile);
        Assert.Equal(TensorElementType.Float16, model.Signature.CacheElementType);
        Assert.Contains(variant, model.GraphChoice);
    }

    [Fact]
    public void UnknownVariant_ListsTheVariantsThere()
    {
        CommunityFolder();
        var ex = Assert.Throws<ModelLoadException>(() => DecoderModel.Load(_dir, new DecoderModelOptions { Variant = "q4" }));
        Assert.Contains("'q4'", ex.Message);
        Assert.Contains("onnx/model.onnx", ex.Message);
        Assert.Contains("onnx/model_fp16.onnx", ex.Message);
    }

    [Fact]
    public void FolderWithoutAGraph_ListsWhatItHolds()
    {
        File.WriteAllText(Path.Combine(_dir, "config.json"), "{}");
        Directory.CreateDirectory(Path.Combine(_dir, "onnx"));
        File.WriteAllText(Path.Combine(_dir, "onnx", "weights.bin"), "");
        var ex = Assert.Throws<ModelLoadException>(() => DecoderModel.Load(_dir));
        Assert.Contains("no decoder graph", ex.Message);
        Assert.Contains("config.json", ex.Message);
        Assert.Contains("onnx/weights.bin", ex.Message);
    }

    [Fact]
    public void RequiredInputTheRuntimeDoesNotFeed_IsRefusedAtLoad_ByName()
    {
        BadGraph("extra-input.onnx");
        var ex = Assert.Throws<ModelLoadException>(() => DecoderModel.Load(_dir));
        Assert.Contains("'token_type_ids'", ex.Message);
        Assert.Contains("does not feed", ex.Message);
    }

    [Fact]
    public void UnsupportedCacheElementType_IsRefusedAtLoad_ByName()
    {
        BadGraph("double-kv.onnx");
        var ex = Assert.Throws<ModelLoadException>(() => DecoderModel.Load(_dir));
        Assert.Contains("past_key_values.0.key", ex.Message);
        Assert.Contains("Double", ex.Message);
    }

    [Fact]
    public void GraphOperators_AreReadFromTheProtobuf()
    {
        var gqa = OnnxGraphScan.OperatorTypes(Path.Combine(RepoPaths.Layout("genai-gqa"), "model.onnx"));
        Assert.Contains("com.microsoft:GroupQueryAttention", gqa);
        Assert.Contains(":MatMul", gqa);
        var optimum = OnnxGraphScan.OperatorTypes(Path.Combine(RepoPaths.Layout("optimum"), "model.onnx"));
        Assert.DoesNotContain("com.microsoft:GroupQueryAttention", optimum);
        Assert.Contains(":Softmax", optimum);
    }
}
