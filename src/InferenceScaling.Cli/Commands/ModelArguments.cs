using System.CommandLine;
using InferenceScaling.Runtime;

namespace InferenceScaling.Cli.Commands;

/// <summary>The <c>--model</c> and <c>--device</c> options every model command shares, and how they load a model.</summary>
internal sealed class ModelArguments
{
    /// <summary>The shipped model's folder name under <c>models/</c>.</summary>
    public const string ShippedModelName = "arith-mini";

    public Option<string?> Model { get; } = new("--model") { Description = "Model folder (Optimum/ORT GenAI decoder layout). Default: the embedded arith-mini model." };

    public Option<string> Device { get; } = new("--device") { Description = "cpu | cuda[:N] | auto (CUDA when it loads, else CPU).", DefaultValueFactory = _ => "cpu" };

    public Option<int> Threads { get; } = new("--threads") { Description = "ONNX Runtime intra-op threads (0 = one per core).", DefaultValueFactory = _ => 0 };

    public Option<string?> Variant { get; } = new("--variant") { Description = "Which graph of a folder with several (onnx-community: fp16, q4, onnx/model_q4f16.onnx, ...). Default: genai_config.json's file, else model.onnx, else onnx/model.onnx (float16 first on CUDA)." };

    public void AddTo(Command command)
    {
        command.Options.Add(Model);
        command.Options.Add(Device);
        command.Options.Add(Threads);
        command.Options.Add(Variant);
    }

    public DecoderModel Load(ParseResult parse)
    {
        var folder = parse.GetValue(Model) ?? DefaultModelFolder();
        var model = DecoderModel.Load(folder, new DecoderModelOptions
        {
            Device = ExecutionDevice.Parse(parse.GetValue(Device)!),
            IntraOpThreads = parse.GetValue(Threads),
            Variant = parse.GetValue(Variant),
        });
        // Which graph of the folder runs, and why, goes to stderr: stdout stays the command's output (JSON included).
        Console.Error.WriteLine($"model: {model.GraphFile} ({model.GraphChoice}; {model.LayoutDescription}) on {model.DeviceDescription}");
        return model;
    }

    /// <summary>The embedded model: copied next to the binary at build time; in a source tree, found above it.</summary>
    public static string DefaultModelFolder()
    {
        var beside = Path.Combine(AppContext.BaseDirectory, "models", ShippedModelName);
        if (File.Exists(Path.Combine(beside, "model.onnx"))) return beside;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "models", ShippedModelName);
            if (File.Exists(Path.Combine(candidate, "model.onnx"))) return candidate;
        }

        throw new ModelLoadException($"The embedded model (models/{ShippedModelName}) is not beside {AppContext.BaseDirectory}; pass --model <folder>.");
    }
}
