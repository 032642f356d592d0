using InferenceScaling.Runtime;

namespace InferenceScaling.Tests.Runtime;

public sealed class ModelFolderTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "infscale-folder-" + Guid.NewGuid().ToString("N"));

    public ModelFolderTests()
    {
        Directory.CreateDirectory(_dir);
        foreach (var f in Directory.GetFiles(RepoPaths.TinyModel)) File.Copy(f, Path.Combine(_dir, Path.GetFileName(f)));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private ModelLoadException LoadFails() => Assert.Throws<ModelLoadException>(() => DecoderModel.Load(_dir).Dispose());

    [Fact]
    public void MissingFolder_IsNamed()
    {
        var ex = Assert.Throws<ModelLoadException>(() => DecoderModel.Load(Path.Combine(_dir, "nope")));
        Assert.Contains("nope", ex.Message);
        Assert.Contains("not found", ex.Message);
    }

    [Fact]
    public void MissingModelFile_IsNamed()
    {
        File.Delete(Path.Combine(_dir, "model.onnx"));
        Assert.Contains("model.onnx", LoadFails().Message);
    }

    [Fact]
    public void MissingTokenizer_IsNamed()
    {
        File.Delete(Path.Combine(_dir, "tokenizer.json"));
        Assert.Contains("no tokenizer found", LoadFails().Message);
    }

    [Fact]
    public void UnsupportedTokenizerModel_IsNamed()
    {
        var path = Path.Combine(_dir, "tokenizer.json");
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"type\": \"BPE\"", "\"type\": \"Unigram\""));
        var ex = LoadFails();
        Assert.Contains("tokenizer.json", ex.Message);
        Assert.Contains("Unigram", ex.Message);
    }

    [Fact]
    public void MalformedConfigJson_IsNamed()
    {
        File.WriteAllText(Path.Combine(_dir, "config.json"), "{ not json");
        var ex = LoadFails();
        Assert.Contains("config.json", ex.Message);
        Assert.Contains("not valid JSON", ex.Message);
    }

    [Fact]
    public void ConfigThatDisagreesWithTheGraph_IsNamed()
    {
        var path = Path.Combine(_dir, "config.json");
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 3"));
        var ex = LoadFails();
        Assert.Contains("num_hidden_layers = 3", ex.Message);
    }

    [Fact]
    public void WrongTensorNames_NameTheMissingTensor()
    {
        var path = Path.Combine(_dir, "genai_config.json");
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"input_ids\": \"input_ids\"", "\"input_ids\": \"tokens\""));
        var ex = LoadFails();
        Assert.Contains("missing input tensor 'tokens'", ex.Message);
    }

    [Fact]
    public void ModelWithoutKvCacheInputs_IsRejected()
    {
        var path = Path.Combine(_dir, "genai_config.json");
        File.WriteAllText(path, File.ReadAllText(path).Replace("past_key_values.%d.key", "past.%d.key"));
        Assert.Contains("no KV-cache inputs", LoadFails().Message);
    }

    [Fact]
    public void CorruptOnnxFile_IsNamed()
    {
        File.WriteAllBytes(Path.Combine(_dir, "model.onnx"), [1, 2, 3, 4]);
        var ex = LoadFails();
        Assert.Contains("model.onnx", ex.Message);
        Assert.Contains("cannot load", ex.Message);
    }

    [Fact]
    public void CudaWithoutItsLibraries_FailsClearlyOrFallsBackOnAuto()
    {
        // This build references the CPU package, whose CUDA provider is absent: cuda must say so, auto must fall back.
        var ex = Assert.Throws<ModelLoadException>(() => DecoderModel.Load(_dir, new DecoderModelOptions { Device = ExecutionDevice.Parse("cuda:0") }).Dispose());
        Assert.Contains("CUDA execution provider cannot start", ex.Message);
        using var model = DecoderModel.Load(_dir, new DecoderModelOptions { Device = ExecutionDevice.Auto });
        Assert.StartsWith("cpu (CUDA unavailable", model.DeviceDescription);
    }

    [Theory]
    [InlineData("cpu", "Cpu", 0)]
    [InlineData("CUDA", "Cuda", 0)]
    [InlineData("cuda:3", "Cuda", 3)]
    [InlineData("auto", "Auto", 0)]
    public void Device_Parses(string text, string kind, int id)
    {
        var d = ExecutionDevice.Parse(text);
        Assert.Equal(kind, d.Kind.ToString());
        Assert.Equal(id, d.DeviceId);
        Assert.Equal(d, kind switch { "Cpu" => ExecutionDevice.Cpu, "Auto" => ExecutionDevice.Auto, _ => ExecutionDevice.Cuda(id) });
    }

    [Fact]
    public void UnknownDevice_ListsTheAcceptedForms() =>
        Assert.Contains("cpu, cuda, cuda:N or auto", Assert.Throws<FormatException>(() => ExecutionDevice.Parse("tpu")).Message);
}
