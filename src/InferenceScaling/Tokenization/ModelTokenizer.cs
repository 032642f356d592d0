using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace InferenceScaling.Tokenization;

/// <summary>
/// A model folder's tokenizer: <c>tokenizer.json</c> (the Hugging Face pipeline: added tokens, normalizers,
/// pre-tokenizers, BPE with byte fallback, post-processors, decoders; Tokenization/README.md lists what is
/// supported), else <c>vocab.json</c> + <c>merges.txt</c> (byte-level BPE) or <c>tokenizer.model</c> (SentencePiece),
/// both through Microsoft.ML.Tokenizers, with the special tokens and the beginning-of-sequence rule from the folder's
/// config files.
/// </summary>
/// <remarks>Thread-safe for encoding and decoding.</remarks>
public sealed class ModelTokenizer
{
    /// <summary>GPT-2's pre-tokenizer pattern, used when a byte-level tokenizer names no pattern of its own.</summary>
    internal const string Gpt2Pattern = HuggingFace.PreTokenizerStep.Gpt2Pattern;

    /// <summary>Token id → decoded text of that token alone; built on first use (stop-string detection).</summary>
    private string[]? _pieces;

    /// <summary>The tokenizer.json pipeline, when the folder has one.</summary>
    private readonly HuggingFace.HuggingFaceTokenizer? _json;

    private ModelTokenizer(Tokenizer inner, IReadOnlyDictionary<string, int> specialTokens, int? bosId, string source)
    {
        Inner = inner;
        _json = inner as HuggingFace.HuggingFaceTokenizer;
        SpecialTokens = specialTokens;
        BeginningOfSequenceId = bosId;
        Source = source;
    }

    /// <summary>
    /// The underlying Microsoft.ML.Tokenizers tokenizer. Its <c>EncodeToIds</c> adds no beginning-of-sequence or
    /// other post-processor tokens (use it for continuations).
    /// </summary>
    public Tokenizer Inner { get; }

    /// <summary>Added and special tokens by text (tokenizer.json's <c>added_tokens</c>; for tokenizer.model, the config's <c>added_tokens_decoder</c> and the model's BOS, EOS and unknown tokens); each is encoded as one id wherever the text contains it.</summary>
    public IReadOnlyDictionary<string, int> SpecialTokens { get; }

    /// <summary>The id put before every encoded prompt (by tokenizer.json's post-processor, or the config's <c>add_bos_token</c>), when there is one.</summary>
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

    /// <summary>Encodes text to token ids, with the beginning-of-sequence id (and any other post-processor tokens) when the model uses them.</summary>
    public int[] Encode(string text) => Encode(text, addSpecialTokens: true);

    /// <summary>Encodes text to token ids; <paramref name="addSpecialTokens"/> false leaves out the beginning-of-sequence id and the post-processor's tokens.</summary>
    public int[] Encode(string text, bool addSpecialTokens)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (_json is not null)
        {
            var pieces = EncodeJson(_json, text, addSpecialTokens);
            var start = addSpecialTokens && NeedsBos(pieces.Count > 0 ? pieces[0].Id : -1) ? 1 : 0;
            var ids = new int[pieces.Count + start];
            if (start == 1) ids[0] = BeginningOfSequenceId!.Value;
            for (var i = 0; i < pieces.Count; i++) ids[i + start] = pieces[i].Id;
            return ids;
        }

        var inner = Inner.EncodeToIds(text);
        if (!addSpecialTokens || !NeedsBos(inner.Count > 0 ? inner[0] : -1)) return [.. inner];
        var result = new int[inner.Count + 1];
        result[0] = BeginningOfSequenceId!.Value;
        for (var i = 0; i < inner.Count; i++) result[i + 1] = inner[i];
        return result;
    }

    /// <summary>
    /// Encodes text to tokens as Microsoft.ML.Tokenizers writes them: each token's id, its text as the vocabulary
    /// writes it (<c>Ġworld</c>, <c>▁world</c>) and the UTF-16 range of <paramref name="text"/> it covers (<c>0..0</c> for
    /// tokens the post-processor added, such as BOS).
    /// </summary>
    public IReadOnlyList<EncodedToken> EncodeToTokens(string text, bool addSpecialTokens = true)
    {
        ArgumentNullException.ThrowIfNull(text);
        var result = new List<EncodedToken>();
        if (_json is not null)
        {
            var pieces = EncodeJson(_json, text, addSpecialTokens);
            if (addSpecialTokens && NeedsBos(pieces.Count > 0 ? pieces[0].Id : -1)) result.Add(new EncodedToken(BeginningOfSequenceId!.Value, _json.TokenOf(BeginningOfSequenceId.Value) ?? "", 0..0));
            foreach (var p in pieces) result.Add(new EncodedToken(p.Id, _json.TokenOf(p.Id) ?? "", p.Start..p.End));
            return result;
        }

        var tokens = Inner.EncodeToTokens(text, out _);
        if (addSpecialTokens && NeedsBos(tokens.Count > 0 ? tokens[0].Id : -1))
            result.Add(new EncodedToken(BeginningOfSequenceId!.Value, SpecialTokens.FirstOrDefault(p => p.Value == BeginningOfSequenceId).Key ?? "", 0..0));
        foreach (var t in tokens)
        {
            var (offset, length) = t.Offset.GetOffsetAndLength(text.Length);
            result.Add(new EncodedToken(t.Id, t.Value, offset..(offset + length)));
        }

        return result;
    }

    /// <summary>Decodes token ids to text, special tokens dropped.</summary>
    public string Decode(IEnumerable<int> ids) => Decode(ids, skipSpecialTokens: true);

    /// <summary>Decodes token ids to text; special tokens are kept when <paramref name="skipSpecialTokens"/> is false.</summary>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens)
    {
        ArgumentNullException.ThrowIfNull(ids);
        return Inner switch
        {
            HuggingFace.HuggingFaceTokenizer json => json.Decode(ids, skipSpecialTokens),
            BpeTokenizer bpe => bpe.Decode(ids, considerSpecialTokens: !skipSpecialTokens) ?? string.Empty,
            SentencePieceTokenizer spm => spm.Decode(ids, considerSpecialTokens: !skipSpecialTokens) ?? string.Empty,
            _ => Inner.Decode(ids) ?? string.Empty,
        };
    }

    /// <summary>
    /// The pipeline's tokens, except that a text which already starts with the BOS (as rendered chat templates do)
    /// keeps only that one: the post-processor's would be a second (Hugging Face adds it; no model wants it).
    /// </summary>
    private List<HuggingFace.EncodedPiece> EncodeJson(HuggingFace.HuggingFaceTokenizer json, string text, bool addSpecialTokens)
    {
        var pieces = new List<HuggingFace.EncodedPiece>();
        json.Encode(text, addSpecialTokens, pieces);
        if (addSpecialTokens && BeginningOfSequenceId is { } bos && pieces.Count >= 2 && pieces[0].Id == bos && pieces[0].End == 0
            && pieces[1].Id == bos && pieces[1].Start == 0 && pieces[1].End > 0)
            pieces.RemoveAt(0);
        return pieces;
    }

    private bool NeedsBos(int firstId) => BeginningOfSequenceId is { } bos && firstId != bos;

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
        var tokenizer = HuggingFace.HuggingFaceTokenizer.Load(path);
        var added = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var a in tokenizer.AddedTokens) added[a.Content] = a.Id;
        // The post-processor's leading token (Llama-3's <|begin_of_text|>) is the BOS; else the config's add_bos_token decides.
        var empty = new List<HuggingFace.EncodedPiece>();
        tokenizer.Encode("", addSpecialTokens: true, empty);
        var bos = empty.Count > 0 && empty[0].End == 0 ? empty[0].Id : ResolveBos(config, tokenizer.IdOf);
        return new ModelTokenizer(tokenizer, added, bos, path);
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
        return new ModelTokenizer(BpeTokenizer.Create(options), special, ResolveBos(config, t => special.TryGetValue(t, out var id) || vocab.TryGetValue(t, out id) ? id : null), vocabPath);
    }

    private static ModelTokenizer FromSentencePiece(string path, JsonElement? config)
    {
        // SentencePiece models add BOS unless the config says not to (Llama's convention).
        var addBos = config is not { } c || !c.TryGetProperty("add_bos_token", out var ab) || ab.ValueKind != JsonValueKind.False;
        var added = AddedTokensFromConfig(config);
        using var stream = File.OpenRead(path);
        // BOS is added by Encode, not by the inner tokenizer, so Inner.EncodeToIds encodes continuations without it.
        var tokenizer = LlamaTokenizer.Create(stream, addBeginOfSentence: false, addEndOfSentence: false, specialTokens: added.Count > 0 ? added : null);
        var special = new Dictionary<string, int>(added, StringComparer.Ordinal);
        special.TryAdd(tokenizer.BeginningOfSentenceToken, tokenizer.BeginningOfSentenceId);
        special.TryAdd(tokenizer.EndOfSentenceToken, tokenizer.EndOfSentenceId);
        special.TryAdd(tokenizer.UnknownToken, tokenizer.UnknownId);
        return new ModelTokenizer(tokenizer, special, addBos ? tokenizer.BeginningOfSentenceId : null, path);
    }

    /// <summary>tokenizer_config.json's <c>added_tokens_decoder</c> (id → {content, ...}) as content → id.</summary>
    private static Dictionary<string, int> AddedTokensFromConfig(JsonElement? config)
    {
        var added = new Dictionary<string, int>(StringComparer.Ordinal);
        if (config is not { } c || !c.TryGetProperty("added_tokens_decoder", out var decoder) || decoder.ValueKind != JsonValueKind.Object) return added;
        foreach (var p in decoder.EnumerateObject())
            if (int.TryParse(p.Name, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id)
                && p.Value.ValueKind == JsonValueKind.Object && p.Value.TryGetProperty("content", out var content) && content.GetString() is { Length: > 0 } text)
                added[text] = id;
        return added;
    }

    private static int? ResolveBos(JsonElement? config, Func<string, int?> idOf)
    {
        if (config is not { } c || !c.TryGetProperty("add_bos_token", out var add) || add.ValueKind != JsonValueKind.True) return null;
        if (!c.TryGetProperty("bos_token", out var bos)) return null;
        var text = bos.ValueKind == JsonValueKind.String ? bos.GetString() : bos.ValueKind == JsonValueKind.Object && bos.TryGetProperty("content", out var content) ? content.GetString() : null;
        return text is null ? null : idOf(text);
    }

    private static JsonElement? ReadTokenizerConfig(string folder) =>
        Runtime.DecoderModel.ReadJson(Path.Combine(folder, "tokenizer_config.json"));
}
