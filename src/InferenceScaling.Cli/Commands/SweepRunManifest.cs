using System.Reflection;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using InferenceScaling.Arith;
using InferenceScaling.Evaluation;
using InferenceScaling.Prompts;
using InferenceScaling.Runtime;

namespace InferenceScaling.Cli.Commands;

/// <summary>
/// A sweep folder's <c>run.json</c>: what made the results (model and its hash, prompts, seed, eval set, versions,
/// machine), and the settings a <c>--resume</c> must match so resumed results belong to the same sweep.
/// </summary>
internal static class SweepRunManifest
{
    public const string FileName = "run.json";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The settings saved in an existing <c>run.json</c>, or null when there is none.</summary>
    public static IReadOnlyDictionary<string, string>? ReadSettings(string folder)
    {
        var path = Path.Combine(folder, FileName);
        if (!File.Exists(path)) return null;
        var root = JsonNode.Parse(File.ReadAllText(path)) ?? throw new InvalidDataException($"{path}: empty.");
        if (root["settings"] is not JsonObject settings) throw new InvalidDataException($"{path}: missing 'settings'.");
        return settings.ToDictionary(p => p.Key, p => p.Value?.GetValue<string>() ?? "", StringComparer.Ordinal);
    }

    /// <summary>Throws when a resume would mix results made under different settings; names each difference.</summary>
    public static void CheckResume(IReadOnlyDictionary<string, string> saved, IReadOnlyDictionary<string, string> now, string folder)
    {
        var differences = new List<string>();
        foreach (var (key, value) in now)
        {
            if (saved.TryGetValue(key, out var old) && old != value) differences.Add($"{key}: saved '{old}', now '{value}'");
        }

        if (differences.Count > 0)
            throw new ArgumentException($"--resume: {Path.Combine(folder, FileName)} was made with other settings ({string.Join("; ", differences)}). Resume with the same options, or use another --out.");
    }

    /// <summary>SHA-256 of a file, lowercase hex.</summary>
    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>Writes <c>run.json</c> (overwriting it; on resume the settings are equal, and the resume is listed).</summary>
    public static void Write(string folder, IReadOnlyDictionary<string, string> settings, DecoderModel model, string modelHash, PromptSet prompts, EvalSet set, string[] arguments, bool resumed)
    {
        var path = Path.Combine(folder, FileName);
        var previous = File.Exists(path) ? JsonNode.Parse(File.ReadAllText(path)) : null;
        var starts = previous?["started_utc"] as JsonArray is { } arr ? JsonNode.Parse(arr.ToJsonString())!.AsArray() : [];
        starts.Add(DateTime.UtcNow.ToString("O"));
        var manifest = new JsonObject
        {
            ["settings"] = new JsonObject(settings.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)JsonValue.Create(kv.Value)))),
            ["command"] = "infscale " + string.Join(' ', arguments.Select(Quote)),
            ["started_utc"] = starts,
            ["resumed"] = resumed,
            ["model"] = new JsonObject
            {
                ["folder"] = model.Folder,
                ["model_onnx_sha256"] = modelHash,
                ["context_length"] = model.Signature.ContextLength,
                ["vocabulary_size"] = model.Signature.VocabularySize,
                ["device"] = model.DeviceDescription,
            },
            ["prompts"] = new JsonObject
            {
                ["set"] = prompts.Name,
                ["folder"] = prompts.Folder,
                ["solve_template"] = prompts.SolveTemplate,
                ["stop"] = new JsonArray(prompts.StopStrings.Select(s => (JsonNode?)JsonValue.Create(s)).ToArray()),
            },
            ["eval_set"] = new JsonObject
            {
                ["name"] = set.Name,
                ["source"] = set.Source,
                ["format"] = set.Format.ToString(),
                ["problems"] = set.Problems.Count,
                ["problem_generator"] = ArithmeticProblemGenerator.Version,
            },
            ["versions"] = new JsonObject
            {
                ["inference_scaling"] = Version(typeof(SweepRunner).Assembly),
                ["trace_generator"] = nameof(OnnxTraceGenerator) + " " + Version(typeof(OnnxTraceGenerator).Assembly),
                ["infscale"] = Version(typeof(SweepRunManifest).Assembly),
                ["Microsoft.ML.OnnxRuntime"] = Version(typeof(Microsoft.ML.OnnxRuntime.InferenceSession).Assembly),
                ["Microsoft.ML.Tokenizers"] = Version(typeof(Microsoft.ML.Tokenizers.Tokenizer).Assembly),
                ["ScottPlot"] = Version(typeof(ScottPlot.Plot).Assembly),
                ["System.CommandLine"] = Version(typeof(System.CommandLine.Command).Assembly),
            },
            ["machine"] = new JsonObject
            {
                ["cores"] = Environment.ProcessorCount,
                ["os"] = RuntimeInformation.OSDescription,
                ["architecture"] = RuntimeInformation.OSArchitecture.ToString(),
                ["dotnet"] = RuntimeInformation.FrameworkDescription,
                ["device"] = model.DeviceDescription,
            },
        };
        File.WriteAllText(path, manifest.ToJsonString(Indented) + "\n");
    }

    private static string Version(Assembly assembly) =>
        assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? assembly.GetName().Version?.ToString() ?? "unknown";

    private static string Quote(string arg) => arg.Length > 0 && arg.AsSpan().IndexOfAny(" \"'\\$") < 0 ? arg : "'" + arg.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
