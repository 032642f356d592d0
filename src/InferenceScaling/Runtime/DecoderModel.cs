using System.Text.Json;
using InferenceScaling.Sampling;
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
    private DecoderModel(string folder, InferenceSession session, DecoderSignature signature, ModelTokenizer tokenizer, string device, string? promptSet, ModelDefaults defaults, ModelFiles.Choice graph)
    {
        Folder = folder;
        Session = session;
        Signature = signature;
        Tokenizer = tokenizer;
        DeviceDescription = device;
        PromptSet = promptSet;
        Defaults = defaults;
        GraphFile = graph.RelativePath;
        GraphChoice = graph.Reason;
    }

    /// <summary>The folder the model was loaded from.</summary>
    public string Folder { get; }

    /// <summary>Names and shapes the runtime feeds and reads.</summary>
    internal DecoderSignature Signature { get; }

    /// <summary>Most tokens (prompt + generated) the model attends over.</summary>
    public int ContextLength => Signature.ContextLength;

    /// <summary>Vocabulary size (the logits' last dimension).</summary>
    public int VocabularySize => Signature.VocabularySize;

    /// <summary>
    /// The graph's layout in words, for logs: its attention kind (<c>standard</c>, or <c>right-aligned</c> for
    /// GroupQueryAttention-style graphs) and KV-cache element type, e.g. <c>right-aligned attention, Float16 cache</c>.
    /// </summary>
    public string LayoutDescription =>
        $"{(Signature.Attention == AttentionKind.RightAligned ? "right-aligned" : "standard")} attention, {Signature.CacheElementType} cache";

    /// <summary>The model's tokenizer.</summary>
    public ModelTokenizer Tokenizer { get; }

    /// <summary>Where the session runs, in words (e.g. <c>cpu</c>, <c>cuda:0</c>, <c>cpu (CUDA unavailable: …)</c>).</summary>
    public string DeviceDescription { get; }

    /// <summary>The prompt set the folder names in <c>inference_scaling.json</c> (<c>prompt_set</c>), if any.</summary>
    public string? PromptSet { get; }

    /// <summary>
    /// What the folder says about sampling (<c>generation_config.json</c>, else <c>genai_config.json</c>'s
    /// <c>search</c>) and the context that bounds every new-token cap.
    /// </summary>
    internal ModelDefaults Defaults { get; }

    /// <summary>
    /// The folder's chat template (<c>chat_template.jinja</c> or <c>tokenizer_config.json</c>'s <c>chat_template</c>),
    /// or null when it has none. When its end-of-turn text is one special token, that token ends a trace as EOS does.
    /// </summary>
    public Templates.ChatTemplate? ChatTemplate { get; private init; }

    /// <summary>The graph that was loaded, relative to <see cref="Folder"/> (e.g. <c>onnx/model_fp16.onnx</c>).</summary>
    public string GraphFile { get; }

    /// <summary>Why that graph was chosen, in words (a requested variant, genai_config.json, or the default rule).</summary>
    public string GraphChoice { get; }

    /// <summary>
    /// Sampling options with the folder's temperature, top_p and top_k (<c>generation_config.json</c>, else
    /// <c>genai_config.json</c>'s <c>search</c> when it samples) over <see cref="SamplingOptions"/>' defaults, and as the
    /// token limit for a prompt of <paramref name="promptTokens"/> tokens the folder's <c>max_new_tokens</c>, else all
    /// the context leaves; never more than the context leaves, never below 1.
    /// </summary>
    public SamplingOptions DefaultSampling(int promptTokens = 0) => Defaults.ApplyTo(null, promptTokens);

    /// <summary>The ONNX Runtime session.</summary>
    internal InferenceSession Session { get; }

    /// <summary>
    /// Where shared KV-cache buffers are allocated: the session's CUDA device allocator when it runs on CUDA (the
    /// cache then stays in device memory between steps), else ONNX Runtime's CPU allocator. Owned by the model.
    /// </summary>
    internal OrtAllocator KvAllocator { get; private init; } = OrtAllocator.DefaultInstance;

    /// <summary>Whether the model runs on a CUDA device (right-aligned KV buffers then live in its memory).</summary>
    internal bool RunsOnDevice => KvCopier is not null;

    /// <summary>Moves rows of device KV buffers (a copy graph on the model's CUDA device); null on the CPU, where copies are memory copies. Owned by the model.</summary>
    internal KvCopier? KvCopier { get; private init; }

    /// <summary>
    /// Loads a model folder: its decoder graph (external data allowed), the tokenizer files, and
    /// <c>config.json</c> / <c>genai_config.json</c> / <c>generation_config.json</c> where present.
    /// </summary>
    /// <remarks>
    /// The graph: <see cref="DecoderModelOptions.Variant"/> when given; else <c>genai_config.json</c>'s
    /// <c>decoder.filename</c>; else <c>model.onnx</c> or <c>decoder_model_merged.onnx</c> at the root; else in
    /// <c>onnx/</c> (onnx-community layout) <c>model.onnx</c>, <c>decoder_model_merged.onnx</c>, <c>model_fp16.onnx</c>,
    /// the quantized variants — <c>model_fp16.onnx</c> first when the device is CUDA. <see cref="GraphFile"/> and
    /// <see cref="GraphChoice"/> report the choice.
    /// </remarks>
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

        var genaiFile = decoder is { } d && d.TryGetProperty("filename", out var fn) && fn.GetString() is { } name ? name : null;
        var graph = ModelFiles.Find(folder, genaiFile, options.Variant, preferHalf: options.Device.Kind == ExecutionDeviceKind.Cuda);
        var modelPath = graph.Path;

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

            var attention = DetectAttention(modelPath);
            var signature = Discover(session, modelPath, config, decoder, genai, generation, attention, options);
            if (chatTemplate?.EndOfTurn is { } endOfTurn && tokenizer.SpecialTokens.TryGetValue(endOfTurn, out var endOfTurnId) && !signature.EndOfSequenceIds.Contains(endOfTurnId))
                signature = signature with { EndOfSequenceIds = new HashSet<int>(signature.EndOfSequenceIds) { endOfTurnId } };
            if (tokenizer.Inner is not null && signature.VocabularySize <= 0)
                throw new ModelLoadException($"{modelPath}: vocabulary size unknown.");
            var promptSet = extra is { } e && e.TryGetProperty("prompt_set", out var ps) ? ps.GetString() : null;
            var onCuda = device.StartsWith("cuda", StringComparison.Ordinal);
            var model = new DecoderModel(Path.GetFullPath(folder), session, signature, tokenizer, device, promptSet, ReadDefaults(generation, genai, signature.ContextLength), graph)
            {
                ChatTemplate = chatTemplate,
                KvAllocator = onCuda ? DeviceAllocator(session, options.Device.DeviceId) : OrtAllocator.DefaultInstance,
                KvCopier = onCuda ? new KvCopier(options.Device) : null,
            };
            session = null;
            return model;
        }
        finally
        {
            session?.Dispose();
            sessionOptions.Dispose();
        }
    }

    /// <summary>The attention kind from the graph's operators: GroupQueryAttention-style ops assume right-aligned rows.</summary>
    private static AttentionKind DetectAttention(string modelPath)
    {
        IReadOnlySet<string> ops;
        try
        {
            ops = OnnxGraphScan.OperatorTypes(modelPath);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException)
        {
            throw new ModelLoadException($"{modelPath}: cannot read the graph's operators: {ex.Message}", ex);
        }

        foreach (var op in RightAlignedOps)
            if (ops.Contains(op)) return AttentionKind.RightAligned;
        return AttentionKind.Standard;
    }

    /// <summary>Contrib ops whose kernels take sequence lengths instead of a mask and assume no left padding.</summary>
    private static readonly string[] RightAlignedOps =
        ["com.microsoft:GroupQueryAttention", "com.microsoft:PagedAttention", "com.microsoft:SparseAttention"];

    private static ModelDefaults ReadDefaults(JsonElement? generation, JsonElement? genai, int context)
    {
        // genai_config.json's search section only counts when it samples: do_sample false there means greedy search,
        // and its top_k = 1 would turn every trace into the same one.
        var search = genai is { } g && g.TryGetProperty("search", out var sr) && sr.ValueKind == JsonValueKind.Object ? sr : (JsonElement?)null;
        if (search is { } s && !(s.TryGetProperty("do_sample", out var ds) && ds.ValueKind == JsonValueKind.True)) search = null;
        float? F(string name) => Float(generation, name) ?? Float(search, name);
        int? I(string name) => Int(generation, name) ?? Int(search, name);
        return new ModelDefaults
        {
            Temperature = F("temperature") is { } t and >= 0 && float.IsFinite(t) ? t : null,
            TopP = F("top_p") is { } p and > 0 and <= 1 ? p : null,
            TopK = I("top_k") is { } k and >= 0 ? k : null,
            MaxNewTokens = Int(generation, "max_new_tokens") is { } m and > 0 ? m : null,
            ContextLength = context,
        };
    }

    private static float? Float(JsonElement? e, string name) =>
        e is { } o && o.ValueKind == JsonValueKind.Object && o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetSingle() : null;

    /// <inheritdoc />
    public void Dispose()
    {
        KvCopier?.Dispose();
        if (!ReferenceEquals(KvAllocator, OrtAllocator.DefaultInstance)) KvAllocator.Dispose();
        Session.Dispose();
    }

    /// <summary>CUDA device memory descriptions by device ordinal.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, OrtMemoryInfo> DeviceInfos = new();

    /// <summary>The session's allocator for CUDA device memory (unmeasured here: no GPU was lent; see tools/gpu-check).</summary>
    private static OrtAllocator DeviceAllocator(InferenceSession session, int deviceId)
    {
        // Kept alive for the process: views of device buffers carry this memory info (one small native object per device).
        var info = DeviceInfos.GetOrAdd(deviceId, id => new OrtMemoryInfo(OrtMemoryInfo.allocatorCUDA, OrtAllocatorType.DeviceAllocator, id, OrtMemType.Default));
        try
        {
            return new OrtAllocator(session, info);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new ModelLoadException($"CUDA device {deviceId}: no device allocator for the KV cache: {ex.Message}", ex);
        }
    }

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

    private static DecoderSignature Discover(InferenceSession session, string modelPath, JsonElement? config, JsonElement? decoder, JsonElement? genai, JsonElement? generationOrNull, AttentionKind attention, DecoderModelOptions options)
    {
        var inputs = session.InputMetadata;
        var outputs = session.OutputMetadata;
        string? Named(string section, string key) =>
            decoder is { } d && d.TryGetProperty(section, out var s) && s.ValueKind == JsonValueKind.Object && s.TryGetProperty(key, out var v) && v.GetString() is { } n ? n : null;
        string Name(string section, string key, string fallback) => Named(section, key) ?? fallback;

        var inputIds = Name("inputs", "input_ids", "input_ids");
        var mask = Name("inputs", "attention_mask", "attention_mask");
        var positions = Name("inputs", "position_ids", "position_ids");
        var logits = Name("outputs", "logits", "logits");

        Require(inputs, inputIds, modelPath, "input", 2, TensorElementType.Int64);
        Require(inputs, mask, modelPath, "input", 2, TensorElementType.Int64);
        var logitsMeta = Require(outputs, logits, modelPath, "output", 3, FloatTypes);
        var hasPositions = inputs.ContainsKey(positions);
        if (hasPositions) Require(inputs, positions, modelPath, "input", 2, TensorElementType.Int64);
        var keep = inputs.ContainsKey("num_logits_to_keep") ? "num_logits_to_keep" : inputs.ContainsKey("logits_to_keep") ? "logits_to_keep" : null;
        if (keep is not null && inputs[keep].ElementDataType != TensorElementType.Int64)
            throw new ModelLoadException($"{modelPath}: input '{keep}' is {inputs[keep].ElementDataType}; the runtime feeds Int64.");
        var useCache = inputs.ContainsKey("use_cache_branch") ? "use_cache_branch" : null;

        // KV-cache names: genai_config.json's patterns (past_key_values.%d.key style, or past_%d for combined caches),
        // else the Optimum names, else GPT-2's combined past_%d.
        var combinedPattern = Named("inputs", "past_names");
        var combinedPresent = Named("outputs", "present_names");
        var pastKey = Name("inputs", "past_key_names", "past_key_values.%d.key");
        var pastValue = Name("inputs", "past_value_names", "past_key_values.%d.value");
        var presentKey = Name("outputs", "present_key_names", "present.%d.key");
        var presentValue = Name("outputs", "present_value_names", "present.%d.value");
        var combined = combinedPattern is not null || (!inputs.ContainsKey(Layer(pastKey, 0)) && inputs.ContainsKey("past_0"));
        combinedPattern ??= "past_%d";
        combinedPresent ??= "present_%d";

        var past = new List<string>();
        var present = new List<string>();
        var layers = 0;
        while (inputs.ContainsKey(Layer(combined ? combinedPattern : pastKey, layers))) layers++;
        if (layers == 0)
            throw new ModelLoadException(combined
                ? $"{modelPath}: no KV-cache inputs (expected '{Layer(combinedPattern, 0)}', …); the runtime needs a decoder exported with a KV cache."
                : $"{modelPath}: no KV-cache inputs (expected '{Layer(pastKey, 0)}', '{Layer(pastValue, 0)}', …, or genai_config.json's decoder.inputs naming them); the runtime needs a decoder exported with past_key_values.");
        int kvHeads = -1, headSize = -1;
        TensorElementType? cacheType = null;
        var rank = combined ? 5 : 4;
        var pairs = new List<(string Past, string Present)>();
        for (var i = 0; i < layers; i++)
        {
            if (combined) pairs.Add((Layer(combinedPattern, i), Layer(combinedPresent, i)));
            else
            {
                pairs.Add((Layer(pastKey, i), Layer(presentKey, i)));
                pairs.Add((Layer(pastValue, i), Layer(presentValue, i)));
            }
        }

        foreach (var (pastName, presentName) in pairs)
        {
            var meta = Require(inputs, pastName, modelPath, "input", rank, FloatTypes);
            var presentMeta = Require(outputs, presentName, modelPath, "output", rank, FloatTypes);
            cacheType ??= meta.ElementDataType;
            if (meta.ElementDataType != cacheType || presentMeta.ElementDataType != cacheType)
                throw new ModelLoadException($"{modelPath}: KV-cache tensors mix element types ('{pastName}' is {meta.ElementDataType}, '{presentName}' is {presentMeta.ElementDataType}, the first past input is {cacheType}); the runtime needs one type for the whole cache.");
            var dims = meta.Dimensions;
            var o = combined ? 1 : 0;
            if (combined && dims[0] > 0 && dims[0] != 2)
                throw new ModelLoadException($"{modelPath}: combined KV input '{pastName}' has {dims[0]} planes in dimension 0; expected 2 (key and value).");
            past.Add(pastName);
            present.Add(presentName);
            if (dims[o + 1] > 0) kvHeads = dims[o + 1];
            if (dims[o + 3] > 0) headSize = dims[o + 3];
        }

        // Anything else the graph requires would fail at the first run: refuse it now, by name.
        var fed = new HashSet<string>(past, StringComparer.Ordinal) { inputIds, mask };
        if (hasPositions) fed.Add(positions);
        if (keep is not null) fed.Add(keep);
        if (useCache is not null) fed.Add(useCache);
        foreach (var (inputName, meta) in inputs)
        {
            if (fed.Contains(inputName)) continue;
            throw new ModelLoadException($"{modelPath}: the graph requires input '{inputName}' ({meta.ElementDataType}, rank {meta.Dimensions.Length}), which the runtime does not feed (it feeds {string.Join(", ", new[] { inputIds, mask, positions, "use_cache_branch", "num_logits_to_keep" })} and the KV cache).");
        }

        var configLayers = Int(config, "num_hidden_layers") ?? Int(config, "n_layer") ?? Int(decoder, "num_hidden_layers");
        if (configLayers is { } cl && cl != layers)
            throw new ModelLoadException($"{modelPath}: the model has {layers} KV-cache layers but the config says num_hidden_layers = {cl}.");

        var heads = Int(config, "num_attention_heads") ?? Int(config, "n_head") ?? Int(decoder, "num_attention_heads");
        if (kvHeads <= 0) kvHeads = Int(config, "num_key_value_heads") ?? Int(decoder, "num_key_value_heads") ?? heads ?? -1;
        if (headSize <= 0)
        {
            var hidden = Int(config, "hidden_size") ?? Int(config, "n_embd") ?? Int(decoder, "hidden_size");
            headSize = Int(config, "head_dim") ?? Int(decoder, "head_size") ?? (hidden is { } h && heads is { } n && n > 0 ? h / n : -1);
        }

        if (kvHeads <= 0 || headSize <= 0)
            throw new ModelLoadException($"{modelPath}: KV heads and head size are not in the tensor shapes, and config.json / genai_config.json give neither (num_key_value_heads, head_dim).");

        var vocabulary = logitsMeta.Dimensions[2] > 0 ? logitsMeta.Dimensions[2] : Int(config, "vocab_size") ?? -1;
        var genaiModel = genai is { } g && g.TryGetProperty("model", out var gm) ? gm : (JsonElement?)null;
        if (vocabulary <= 0) vocabulary = Int(genaiModel, "vocab_size") ?? -1;
        if (vocabulary <= 0) throw new ModelLoadException($"{modelPath}: vocabulary size is neither in the logits shape nor in config.json / genai_config.json (vocab_size).");

        var context = Int(config, "max_position_embeddings") ?? Int(config, "n_positions") ?? Int(genaiModel, "context_length") ?? options.FallbackContextLength;

        var eos = new HashSet<int>();
        AddIds(eos, generationOrNull, "eos_token_id");
        AddIds(eos, config, "eos_token_id");
        AddIds(eos, genaiModel, "eos_token_id");

        return new DecoderSignature
        {
            InputIds = inputIds,
            AttentionMask = mask,
            PositionIds = hasPositions ? positions : null,
            UseCacheBranch = useCache,
            LogitsToKeep = keep,
            Logits = logits,
            PastInputs = past,
            PresentOutputs = present,
            CombinedKeyValue = combined,
            CacheElementType = cacheType!.Value,
            LogitsElementType = logitsMeta.ElementDataType,
            Attention = attention,
            Layers = layers,
            KeyValueHeads = kvHeads,
            HeadSize = headSize,
            VocabularySize = vocabulary,
            ContextLength = context,
            EndOfSequenceIds = eos,
            PadId = Int(config, "pad_token_id") ?? Int(genaiModel, "pad_token_id"),
        };
    }

    private static readonly TensorElementType[] FloatTypes = [TensorElementType.Float, TensorElementType.Float16, TensorElementType.BFloat16];

    private static NodeMetadata Require(IReadOnlyDictionary<string, NodeMetadata> map, string name, string path, string kind, int rank, params TensorElementType[] types)
    {
        if (!map.TryGetValue(name, out var meta))
            throw new ModelLoadException($"{path}: missing {kind} tensor '{name}' (the model has {kind}s: {string.Join(", ", map.Keys.Take(12))}{(map.Count > 12 ? ", …" : "")}).");
        if (Array.IndexOf(types, meta.ElementDataType) < 0)
            throw new ModelLoadException($"{path}: {kind} '{name}' is {meta.ElementDataType}; the runtime reads {string.Join(" or ", types)}.");
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
