using System.Text.Json;
using InferenceScaling.Tokenization;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceScaling.Runtime;

/// <summary>
/// A loaded model folder: the ONNX Runtime session, its discovered <see cref="DecoderSignature"/> and its tokenizer.
/// Owns the session (the one native resource here). Thread-safe: many generators may run on one model at once.
/// </summary>
public sealed class DecoderModel : IDisposable
{
    private DecoderModel(string folder, InferenceSession session, DecoderSignature signature, ModelTokenizer tokenizer, string device, string? promptSet, float? defaultTemperature)
    {
        Folder = folder;
        Session = session;
        Signature = signature;
        Tokenizer = tokenizer;
        DeviceDescription = device;
        PromptSet = promptSet;
        DefaultTemperature = defaultTemperature;
    }

    /// <summary>The folder the model was loaded from.</summary>
    public string Folder { get; }

    /// <summary>Names and shapes the runtime feeds and reads.</summary>
    public DecoderSignature Signature { get; }

    /// <summary>The model's tokenizer.</summary>
    public ModelTokenizer Tokenizer { get; }

    /// <summary>Where the session runs, in words (e.g. <c>cpu</c>, <c>cuda:0</c>, <c>cpu (CUDA unavailable: …)</c>).</summary>
    public string DeviceDescription { get; }

    /// <summary>The prompt set the folder names in <c>inference_scaling.json</c> (<c>prompt_set</c>), if any.</summary>
    public string? PromptSet { get; }

    /// <summary>The sampling temperature from <c>generation_config.json</c>, if it gives one.</summary>
    public float? DefaultTemperature { get; }

    /// <summary>
    /// The folder's chat template (<c>chat_template.jinja</c> or <c>tokenizer_config.json</c>'s <c>chat_template</c>),
    /// or null when it has none. When its end-of-turn text is one special token, that token ends a trace as EOS does.
    /// </summary>
    public Templates.ChatTemplate? ChatTemplate { get; private init; }

    /// <summary>The ONNX Runtime session.</summary>
    internal InferenceSession Session { get; }

    /// <summary>
    /// Loads a model folder: <c>model.onnx</c> (external data allowed), the tokenizer files, and
    /// <c>config.json</c> / <c>genai_config.json</c> / <c>generation_config.json</c> where present.
    /// </summary>
    /// <exception cref="ModelLoadException">The folder does not fit the contract; the message names the file and the problem.</exception>
    public static DecoderModel Load(string folder, DecoderModelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(folder);
        options ??= new DecoderModelOptions();
        if (!Directory.Exists(folder)) throw new ModelLoadException($"{folder}: model folder not found.");
        var config = ReadJson(Path.Combine(folder, "config.json"));
        var genai = ReadJson(Path.Combine(folder, "genai_config.json"));
        var generation = ReadJson(Path.Combine(folder, "generation_config.json"));
        var extra = ReadJson(Path.Combine(folder, "inference_scaling.json"));
        var decoder = genai is { } g && g.TryGetProperty("model", out var gm) && gm.TryGetProperty("decoder", out var gd) ? gd : (JsonElement?)null;

        var modelFile = decoder is { } d && d.TryGetProperty("filename", out var fn) && fn.GetString() is { } name ? name : "model.onnx";
        var modelPath = Path.Combine(folder, modelFile);
        if (!File.Exists(modelPath)) throw new ModelLoadException($"{modelPath}: model file not found (a model folder needs {modelFile}).");

        // The tokenizer is cheap and its errors are common: load it before the session.
        var tokenizer = ModelTokenizer.Load(folder);
        var chatTemplate = Templates.ChatTemplate.Load(folder);

        var sessionOptions = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        InferenceSession? session = null;
        try
        {
            if (options.IntraOpThreads > 0) sessionOptions.IntraOpNumThreads = options.IntraOpThreads;
            var device = ConfigureDevice(sessionOptions, options.Device);
            try
            {
                session = new InferenceSession(modelPath, sessionOptions);
            }
            catch (OnnxRuntimeException ex)
            {
                throw new ModelLoadException($"{modelPath}: ONNX Runtime cannot load the model: {ex.Message}", ex);
            }

            var signature = Discover(session, modelPath, config, decoder, genai, generation, options);
            if (chatTemplate?.EndOfTurn is { } endOfTurn && tokenizer.SpecialTokens.TryGetValue(endOfTurn, out var endOfTurnId) && !signature.EndOfSequenceIds.Contains(endOfTurnId))
                signature = signature with { EndOfSequenceIds = new HashSet<int>(signature.EndOfSequenceIds) { endOfTurnId } };
            if (tokenizer.Inner is not null && signature.VocabularySize <= 0)
                throw new ModelLoadException($"{modelPath}: vocabulary size unknown.");
            var promptSet = extra is { } e && e.TryGetProperty("prompt_set", out var ps) ? ps.GetString() : null;
            float? temperature = generation is { } gen && gen.TryGetProperty("temperature", out var temp) && temp.ValueKind == JsonValueKind.Number ? temp.GetSingle() : null;
            var model = new DecoderModel(Path.GetFullPath(folder), session, signature, tokenizer, device, promptSet, temperature) { ChatTemplate = chatTemplate };
            session = null;
            return model;
        }
        finally
        {
            session?.Dispose();
            sessionOptions.Dispose();
        }
    }

    /// <inheritdoc />
    public void Dispose() => Session.Dispose();

    private static string ConfigureDevice(SessionOptions options, ExecutionDevice device)
    {
        if (device.Kind == ExecutionDeviceKind.Cpu) return "cpu";
        try
        {
            options.AppendExecutionProvider_CUDA(device.DeviceId);
            return device.Kind == ExecutionDeviceKind.Auto ? $"cuda:{device.DeviceId} (auto)" : $"cuda:{device.DeviceId}";
        }
        catch (Exception ex) when (ex is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException)
        {
            var reason = FirstLine(ex.Message);
            if (device.Kind == ExecutionDeviceKind.Auto) return $"cpu (CUDA unavailable: {reason})";
            throw new ModelLoadException(
                $"CUDA execution provider cannot start on device {device.DeviceId}: {reason}. " +
                "It needs the OrtFlavor=Cuda build and the CUDA 13 and cuDNN 9 libraries on the library path; use --device cpu, or --device auto to fall back.", ex);
        }
    }

    private static DecoderSignature Discover(InferenceSession session, string modelPath, JsonElement? config, JsonElement? decoder, JsonElement? genai, JsonElement? generation, DecoderModelOptions options)
    {
        var inputs = session.InputMetadata;
        var outputs = session.OutputMetadata;
        string Name(string section, string key, string fallback) =>
            decoder is { } d && d.TryGetProperty(section, out var s) && s.TryGetProperty(key, out var v) && v.GetString() is { } n ? n : fallback;

        var inputIds = Name("inputs", "input_ids", "input_ids");
        var mask = Name("inputs", "attention_mask", "attention_mask");
        var positions = Name("inputs", "position_ids", "position_ids");
        var logits = Name("outputs", "logits", "logits");
        var pastKey = Name("inputs", "past_key_names", "past_key_values.%d.key");
        var pastValue = Name("inputs", "past_value_names", "past_key_values.%d.value");
        var presentKey = Name("outputs", "present_key_names", "present.%d.key");
        var presentValue = Name("outputs", "present_value_names", "present.%d.value");

        Require(inputs, inputIds, modelPath, "input", TensorElementType.Int64, 2);
        Require(inputs, mask, modelPath, "input", TensorElementType.Int64, 2);
        Require(outputs, logits, modelPath, "output", TensorElementType.Float, 3);
        var hasPositions = inputs.ContainsKey(positions);
        if (hasPositions) Require(inputs, positions, modelPath, "input", TensorElementType.Int64, 2);

        var past = new List<string>();
        var present = new List<string>();
        var layers = 0;
        while (inputs.ContainsKey(Layer(pastKey, layers))) layers++;
        if (layers == 0)
            throw new ModelLoadException($"{modelPath}: no KV-cache inputs (expected '{Layer(pastKey, 0)}', '{Layer(pastValue, 0)}', …); the runtime needs a decoder exported with past_key_values.");
        int kvHeads = -1, headSize = -1;
        for (var i = 0; i < layers; i++)
        {
            foreach (var (pastName, presentName) in new[] { (Layer(pastKey, i), Layer(presentKey, i)), (Layer(pastValue, i), Layer(presentValue, i)) })
            {
                var meta = Require(inputs, pastName, modelPath, "input", TensorElementType.Float, 4);
                Require(outputs, presentName, modelPath, "output", TensorElementType.Float, 4);
                past.Add(pastName);
                present.Add(presentName);
                if (meta.Dimensions[1] > 0) kvHeads = meta.Dimensions[1];
                if (meta.Dimensions[3] > 0) headSize = meta.Dimensions[3];
            }
        }

        var configLayers = Int(config, "num_hidden_layers") ?? Int(config, "n_layer");
        if (configLayers is { } cl && cl != layers)
            throw new ModelLoadException($"{modelPath}: the model has {layers} KV-cache layers but config.json says num_hidden_layers = {cl}.");

        var heads = Int(config, "num_attention_heads") ?? Int(config, "n_head") ?? Int(decoder, "num_attention_heads");
        if (kvHeads <= 0) kvHeads = Int(config, "num_key_value_heads") ?? Int(decoder, "num_key_value_heads") ?? heads ?? -1;
        if (headSize <= 0)
        {
            var hidden = Int(config, "hidden_size") ?? Int(config, "n_embd") ?? Int(decoder, "hidden_size");
            headSize = Int(config, "head_dim") ?? Int(decoder, "head_size") ?? (hidden is { } h && heads is { } n && n > 0 ? h / n : -1);
        }

        if (kvHeads <= 0 || headSize <= 0)
            throw new ModelLoadException($"{modelPath}: KV heads and head size are not in the tensor shapes, and config.json / genai_config.json give neither (num_key_value_heads, head_dim).");

        var vocabulary = outputs[logits].Dimensions[2] > 0 ? outputs[logits].Dimensions[2] : Int(config, "vocab_size") ?? -1;
        if (vocabulary <= 0) throw new ModelLoadException($"{modelPath}: vocabulary size is neither in the logits shape nor in config.json (vocab_size).");

        var genaiModel = genai is { } g && g.TryGetProperty("model", out var gm) ? gm : (JsonElement?)null;
        var context = Int(config, "max_position_embeddings") ?? Int(config, "n_positions") ?? Int(genaiModel, "context_length") ?? options.FallbackContextLength;

        var eos = new HashSet<int>();
        AddIds(eos, generation, "eos_token_id");
        AddIds(eos, config, "eos_token_id");
        AddIds(eos, genaiModel, "eos_token_id");

        return new DecoderSignature
        {
            InputIds = inputIds,
            AttentionMask = mask,
            PositionIds = hasPositions ? positions : null,
            UseCacheBranch = inputs.ContainsKey("use_cache_branch") ? "use_cache_branch" : null,
            Logits = logits,
            PastInputs = past,
            PresentOutputs = present,
            Layers = layers,
            KeyValueHeads = kvHeads,
            HeadSize = headSize,
            VocabularySize = vocabulary,
            ContextLength = context,
            EndOfSequenceIds = eos,
            PadId = Int(config, "pad_token_id") ?? Int(genaiModel, "pad_token_id"),
        };
    }

    private static NodeMetadata Require(IReadOnlyDictionary<string, NodeMetadata> map, string name, string path, string kind, TensorElementType type, int rank)
    {
        if (!map.TryGetValue(name, out var meta))
            throw new ModelLoadException($"{path}: missing {kind} tensor '{name}' (the model has {kind}s: {string.Join(", ", map.Keys.Take(12))}{(map.Count > 12 ? ", …" : "")}).");
        if (meta.ElementDataType != type)
            throw new ModelLoadException($"{path}: {kind} '{name}' is {meta.ElementDataType}; the runtime needs {type}.");
        if (meta.Dimensions.Length != rank)
            throw new ModelLoadException($"{path}: {kind} '{name}' has rank {meta.Dimensions.Length}; expected rank {rank}.");
        return meta;
    }

    private static string Layer(string pattern, int i) => pattern.Replace("%d", i.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);

    private static int? Int(JsonElement? e, string name) =>
        e is { } o && o.ValueKind == JsonValueKind.Object && o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : null;

    private static void AddIds(HashSet<int> set, JsonElement? e, string name)
    {
        if (e is not { } o || o.ValueKind != JsonValueKind.Object || !o.TryGetProperty(name, out var v)) return;
        if (v.ValueKind == JsonValueKind.Number) set.Add(v.GetInt32());
        else if (v.ValueKind == JsonValueKind.Array)
            foreach (var x in v.EnumerateArray()) if (x.ValueKind == JsonValueKind.Number) set.Add(x.GetInt32());
    }

    /// <summary>A config file's JSON object, or null when the file is absent; bad JSON names the file.</summary>
    internal static JsonElement? ReadJson(string path)
    {
        if (!File.Exists(path)) return null;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new ModelLoadException($"{path}: expected a JSON object.");
            return doc.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new ModelLoadException($"{path}: not valid JSON: {ex.Message}", ex);
        }
    }

    private static string FirstLine(string s)
    {
        var i = s.IndexOf('\n');
        return (i < 0 ? s : s[..i]).Trim();
    }
}
