using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace InferenceScaling.Tokenization;

/// <summary>
/// A model folder's tokenizer, loaded through Microsoft.ML.Tokenizers from <c>tokenizer.json</c> (byte-level BPE),
/// <c>vocab.json</c> + <c>merges.txt</c>, or <c>tokenizer.model</c> (SentencePiece), with the special tokens and the
/// beginning-of-sequence rule from the folder's config files.
/// </summary>
/// <remarks>Thread-safe for encoding and decoding.</remarks>
public sealed class ModelTokenizer
{
    /// <summary>GPT-2's pre-tokenizer pattern, used when a byte-level tokenizer names no pattern of its own.</summary>
    internal const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    /// <summary>Token id → decoded text of that token alone; built on first use (stop-string detection).</summary>
    private string[]? _pieces;

    private ModelTokenizer(Tokenizer inner, IReadOnlyDictionary<string, int> specialTokens, int? bosId, string source)
    {
        Inner = inner;
        SpecialTokens = specialTokens;
        BeginningOfSequenceId = bosId;
        Source = source;
    }

    /// <summary>The underlying Microsoft.ML.Tokenizers tokenizer.</summary>
    public Tokenizer Inner { get; }

    /// <summary>Special (added) tokens by text.</summary>
    public IReadOnlyDictionary<string, int> SpecialTokens { get; }

    /// <summary>The id prepended to every encoded prompt, when the tokenizer config asks for one.</summary>
    public int? BeginningOfSequenceId { get; }

    /// <summary>Which file the tokenizer was read from.</summary>
    public string Source { get; }

    /// <summary>Loads the tokenizer of a model folder.</summary>
    /// <exception cref="Runtime.ModelLoadException">No supported tokenizer file, or one that cannot be read; the message names it.</exception>
    public static ModelTokenizer Load(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var json = Path.Combine(folder, "tokenizer.json");
        var vocab = Path.Combine(folder, "vocab.json");
        var merges = Path.Combine(folder, "merges.txt");
        var spm = Path.Combine(folder, "tokenizer.model");
        var config = ReadTokenizerConfig(folder);
        try
        {
            if (File.Exists(json)) return FromTokenizerJson(json, config);
            if (File.Exists(vocab) && File.Exists(merges)) return FromVocabAndMerges(vocab, merges, config);
            if (File.Exists(spm)) return FromSentencePiece(spm, config);
        }
        catch (Runtime.ModelLoadException) { throw; }
        catch (Exception ex) when (ex is JsonException or IOException or InvalidOperationException or ArgumentException or FormatException or KeyNotFoundException)
        {
            var file = File.Exists(json) ? json : File.Exists(vocab) ? vocab : spm;
            throw new Runtime.ModelLoadException($"{file}: the tokenizer cannot be loaded: {ex.Message}", ex);
        }

        throw new Runtime.ModelLoadException($"{folder}: no tokenizer found (expected tokenizer.json, vocab.json + merges.txt, or tokenizer.model).");
    }

    /// <summary>Encodes text to token ids (with the beginning-of-sequence id first when the model uses one).</summary>
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = Inner.EncodeToIds(text);
        if (BeginningOfSequenceId is not { } bos || (ids.Count > 0 && ids[0] == bos)) return [.. ids];
        var result = new int[ids.Count + 1];
        result[0] = bos;
        for (var i = 0; i < ids.Count; i++) result[i + 1] = ids[i];
        return result;
    }

    /// <summary>Decodes token ids to text (special tokens dropped).</summary>
    public string Decode(IEnumerable<int> ids) => Inner.Decode(ids) ?? string.Empty;

    /// <summary>The text of each token on its own, indexed by id (for stop strings); ids the tokenizer does not know map to "".</summary>
    internal string[] Pieces(int vocabularySize)
    {
        var pieces = _pieces;
        if (pieces is not null && pieces.Length >= vocabularySize) return pieces;
        pieces = new string[vocabularySize];
        var one = new int[1];
        for (var i = 0; i < pieces.Length; i++)
        {
            one[0] = i;
            try { pieces[i] = Inner.Decode(one) ?? string.Empty; }
            catch (ArgumentException) { pieces[i] = string.Empty; }
        }

        _pieces = pieces;
        return pieces;
    }

    private static ModelTokenizer FromTokenizerJson(string path, JsonElement? config)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        var root = doc.RootElement;
        if (!root.TryGetProperty("model", out var model)) throw new Runtime.ModelLoadException($"{path}: no 'model' section.");
        var type = model.TryGetProperty("type", out var t) ? t.GetString() : "BPE";
        if (!string.Equals(type, "BPE", StringComparison.OrdinalIgnoreCase))
            throw new Runtime.ModelLoadException($"{path}: model type '{type}' is not supported (only BPE; SentencePiece models load from tokenizer.model).");
        if (!model.TryGetProperty("vocab", out var vocabElement) || vocabElement.ValueKind != JsonValueKind.Object)
            throw new Runtime.ModelLoadException($"{path}: model.vocab is missing or not an object.");

        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var p in vocabElement.EnumerateObject()) vocab[p.Name] = p.Value.GetInt32();

        var merges = new List<string>();
        if (model.TryGetProperty("merges", out var mergesElement))
        {
            foreach (var m in mergesElement.EnumerateArray())
            {
                // Older files write "a b", newer ones ["a", "b"].
                merges.Add(m.ValueKind == JsonValueKind.Array ? m[0].GetString() + " " + m[1].GetString() : m.GetString() ?? "");
            }
        }

        var special = new Dictionary<string, int>(StringComparer.Ordinal);
        if (root.TryGetProperty("added_tokens", out var added))
            foreach (var a in added.EnumerateArray())
                special[a.GetProperty("content").GetString()!] = a.GetProperty("id").GetInt32();

        var byteLevel = false;
        string? pattern = null;
        if (root.TryGetProperty("pre_tokenizer", out var pre) && pre.ValueKind == JsonValueKind.Object)
            ReadPreTokenizer(pre, ref byteLevel, ref pattern);
        if (root.TryGetProperty("decoder", out var dec) && dec.ValueKind == JsonValueKind.Object && Has(dec, "ByteLevel"))
            byteLevel = true;

        // A byte-level BPE whose pre-tokenizer names no pattern splits like GPT-2; otherwise the whole text is one piece.
        pattern ??= byteLevel ? Gpt2Pattern : @"(?s).+";
        var options = new BpeOptions(vocab)
        {
            Merges = merges,
            ByteLevel = byteLevel,
            SpecialTokens = special,
            PreTokenizer = new RegexPreTokenizer(new Regex(pattern, RegexOptions.Compiled), special),
        };
        var tokenizer = BpeTokenizer.Create(options);
        return new ModelTokenizer(tokenizer, special, ResolveBos(config, special, vocab), path);
    }

    private static void ReadPreTokenizer(JsonElement pre, ref bool byteLevel, ref string? pattern)
    {
        var type = pre.TryGetProperty("type", out var t) ? t.GetString() : null;
        switch (type)
        {
            case "Sequence":
                foreach (var inner in pre.GetProperty("pretokenizers").EnumerateArray()) ReadPreTokenizer(inner, ref byteLevel, ref pattern);
                break;
            case "ByteLevel":
                byteLevel = true;
                if (pattern is null && pre.TryGetProperty("use_regex", out var useRegex) && useRegex.ValueKind == JsonValueKind.True) pattern = Gpt2Pattern;
                break;
            case "Split":
                if (pre.TryGetProperty("pattern", out var p) && p.TryGetProperty("Regex", out var regex)) pattern = regex.GetString();
                else if (pre.TryGetProperty("pattern", out var p2) && p2.TryGetProperty("String", out var str)) pattern = Regex.Escape(str.GetString() ?? " ");
                break;
        }
    }

    private static bool Has(JsonElement e, string type)
    {
        if (e.TryGetProperty("type", out var t) && t.GetString() == type) return true;
        if (e.TryGetProperty("decoders", out var list))
            foreach (var d in list.EnumerateArray()) if (Has(d, type)) return true;
        return false;
    }

    private static ModelTokenizer FromVocabAndMerges(string vocabPath, string mergesPath, JsonElement? config)
    {
        var vocab = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(vocabPath))
            ?? throw new Runtime.ModelLoadException($"{vocabPath}: empty vocabulary.");
        var merges = File.ReadAllLines(mergesPath).Where(l => l.Length > 0 && !l.StartsWith("#version", StringComparison.Ordinal)).ToList();
        var special = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (k, v) in vocab) if (k.StartsWith("<|", StringComparison.Ordinal) && k.EndsWith("|>", StringComparison.Ordinal)) special[k] = v;
        var options = new BpeOptions(vocab)
        {
            Merges = merges,
            ByteLevel = true,
            SpecialTokens = special,
            PreTokenizer = new RegexPreTokenizer(new Regex(Gpt2Pattern, RegexOptions.Compiled), special),
        };
        return new ModelTokenizer(BpeTokenizer.Create(options), special, ResolveBos(config, special, vocab), vocabPath);
    }

    private static ModelTokenizer FromSentencePiece(string path, JsonElement? config)
    {
        var addBos = config is { } c && c.TryGetProperty("add_bos_token", out var ab) ? ab.ValueKind == JsonValueKind.True : true;
        using var stream = File.OpenRead(path);
        var tokenizer = LlamaTokenizer.Create(stream, addBeginOfSentence: addBos, addEndOfSentence: false);
        return new ModelTokenizer(tokenizer, new Dictionary<string, int>(), null, path);
    }

    private static int? ResolveBos(JsonElement? config, Dictionary<string, int> special, Dictionary<string, int> vocab)
    {
        if (config is not { } c || !c.TryGetProperty("add_bos_token", out var add) || add.ValueKind != JsonValueKind.True) return null;
        if (!c.TryGetProperty("bos_token", out var bos)) return null;
        var text = bos.ValueKind == JsonValueKind.String ? bos.GetString() : bos.ValueKind == JsonValueKind.Object && bos.TryGetProperty("content", out var content) ? content.GetString() : null;
        if (text is null) return null;
        return special.TryGetValue(text, out var id) ? id : vocab.TryGetValue(text, out id) ? id : null;
    }

    private static JsonElement? ReadTokenizerConfig(string folder) =>
        Runtime.DecoderModel.ReadJson(Path.Combine(folder, "tokenizer_config.json"));
}
