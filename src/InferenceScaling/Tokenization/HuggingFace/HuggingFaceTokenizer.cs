using System.Text.Json;
using Microsoft.ML.Tokenizers;
using InferenceScaling.Runtime;

namespace InferenceScaling.Tokenization.HuggingFace;

/// <summary>
/// A tokenizer.json pipeline: added tokens split out of the raw text, each plain segment normalized and
/// pre-tokenized, its pieces encoded by the BPE model, the post-processor's special tokens added; decoding drops
/// special tokens unless asked and runs the decoder chain. Exposed as a Microsoft.ML.Tokenizers
/// <see cref="Tokenizer"/> (encoding there adds no special tokens; decoding drops them).
/// </summary>
/// <remarks>Thread-safe for encoding and decoding.</remarks>
internal sealed class HuggingFaceTokenizer : Tokenizer
{
    /// <summary>Added tokens matched on the raw text (<c>normalized: false</c>, or all when there is no normalizer).</summary>
    private readonly AddedTokenMatcher _matcher;

    /// <summary>Added tokens with <c>normalized: true</c>, matched (in normalized form) on each normalized segment.</summary>
    private readonly AddedTokenMatcher _normalizedMatcher;
    private readonly TextNormalizer? _normalizer;
    private readonly PreTokenizerStep? _preTokenizer;
    private readonly BpeModel _model;
    private readonly PostProcessorStep? _postProcessor;
    private readonly DecoderStep? _decoder;

    /// <summary>Id → token text (model vocabulary and added tokens); null where no token has the id.</summary>
    private readonly string?[] _tokens;

    /// <summary>Id → whether it is a special added token (dropped by decode unless asked).</summary>
    private readonly bool[] _special;

    private HuggingFaceTokenizer(TextNormalizer? normalizer, PreTokenizerStep? preTokenizer, BpeModel model,
        PostProcessorStep? postProcessor, DecoderStep? decoder, IReadOnlyList<AddedToken> added)
    {
        _normalizer = normalizer;
        _matcher = new AddedTokenMatcher(added.Where(a => !a.Normalized || normalizer is null));
        _normalizedMatcher = new AddedTokenMatcher(added.Where(a => a.Normalized && normalizer is not null)
            .Select(a => a with { Content = normalizer!.Normalize(AlignedText.Original(a.Content, 0, a.Content.Length)).Text })
            .Where(a => a.Content.Length > 0));
        _preTokenizer = preTokenizer;
        _model = model;
        _postProcessor = postProcessor;
        _decoder = decoder;
        AddedTokens = added;
        var size = 0;
        foreach (var id in model.Vocabulary.Values) size = Math.Max(size, id + 1);
        foreach (var a in added) size = Math.Max(size, a.Id + 1);
        _tokens = new string?[size];
        _special = new bool[size];
        foreach (var (text, id) in model.Vocabulary) if (id >= 0) _tokens[id] = text;
        foreach (var a in added)
        {
            if (a.Id < 0) continue;
            _tokens[a.Id] = a.Content;
            _special[a.Id] = a.Special;
        }
    }

    /// <summary>tokenizer.json's <c>added_tokens</c>.</summary>
    public IReadOnlyList<AddedToken> AddedTokens { get; }

    /// <summary>One past the largest id.</summary>
    public int Size => _tokens.Length;

    /// <summary>Reads a tokenizer.json file.</summary>
    /// <exception cref="ModelLoadException">Bad JSON, or a component this loader does not implement (the message names it).</exception>
    public static HuggingFaceTokenizer Load(string path)
    {
        var bytes = File.ReadAllBytes(path);
        // Files saved by some editors start with a UTF-8 byte order mark, which JsonDocument refuses.
        var start = bytes.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0;
        using var doc = JsonDocument.Parse(bytes.AsMemory(start));
        var root = doc.RootElement;
        if (!root.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.Object)
            throw new ModelLoadException($"{path}: no 'model' section.");
        var bpe = BpeModel.From(model, path);
        var added = new List<AddedToken>();
        if (root.TryGetProperty("added_tokens", out var addedElement) && addedElement.ValueKind == JsonValueKind.Array)
            foreach (var a in addedElement.EnumerateArray()) added.Add(AddedToken.From(a, path));

        return new HuggingFaceTokenizer(
            root.TryGetProperty("normalizer", out var n) ? TextNormalizer.From(n, path) : null,
            root.TryGetProperty("pre_tokenizer", out var p) ? PreTokenizerStep.From(p, path) : null,
            bpe,
            root.TryGetProperty("post_processor", out var pp) ? PostProcessorStep.From(pp, path) : null,
            root.TryGetProperty("decoder", out var d) ? DecoderStep.From(d, path) : null,
            added);
    }

    /// <summary>The id of a token (model vocabulary or added token), or null.</summary>
    public int? IdOf(string token)
    {
        foreach (var a in AddedTokens) if (a.Content == token) return a.Id;
        return _model.Vocabulary.TryGetValue(token, out var id) ? id : null;
    }

    /// <summary>The token text of an id (as the vocabulary writes it), or null.</summary>
    public string? TokenOf(int id) => id >= 0 && id < _tokens.Length ? _tokens[id] : null;

    /// <summary>Whether an id is a special added token.</summary>
    public bool IsSpecial(int id) => id >= 0 && id < _special.Length && _special[id];

    /// <summary>Encodes <paramref name="text"/>, appending its tokens (with ranges of <paramref name="text"/>) to <paramref name="output"/>.</summary>
    public void Encode(string text, bool addSpecialTokens, List<EncodedPiece> output)
    {
        var segments = new List<InputSegment>();
        _matcher.Split(text, segments);
        var pieces = new List<AlignedText>();
        var scratch = new List<AlignedText>();
        var tokens = new List<EncodedPiece>();
        foreach (var segment in segments)
        {
            if (segment.Token is { } added)
            {
                tokens.Add(new EncodedPiece(added.Id, segment.Start, segment.End));
                continue;
            }

            var aligned = AlignedText.Original(text, segment.Start, segment.End);
            if (_normalizer is not null) aligned = _normalizer.Normalize(aligned);
            if (_normalizedMatcher.IsEmpty)
            {
                EncodePlain(aligned, pieces, scratch, tokens);
                continue;
            }

            var inner = new List<InputSegment>();
            _normalizedMatcher.Split(aligned.Text, inner);
            foreach (var s in inner)
            {
                if (s.Token is { } t) tokens.Add(new EncodedPiece(t.Id, aligned.Starts[s.Start], aligned.Ends[s.End - 1]));
                else EncodePlain(aligned.Slice(s.Start, s.End), pieces, scratch, tokens);
            }
        }

        if (addSpecialTokens && _postProcessor is not null) _postProcessor.Process(tokens, text.Length);
        output.AddRange(tokens);
    }

    private void EncodePlain(AlignedText aligned, List<AlignedText> pieces, List<AlignedText> scratch, List<EncodedPiece> tokens)
    {
        pieces.Clear();
        pieces.Add(aligned);
        _preTokenizer?.Apply(pieces, scratch);
        foreach (var piece in pieces) _model.Encode(piece, tokens);
    }

    /// <summary>Decodes ids to text; special added tokens are dropped unless <paramref name="skipSpecialTokens"/> is false.</summary>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens)
    {
        var tokens = new List<string>();
        foreach (var id in ids)
        {
            if (id < 0 || id >= _tokens.Length || _tokens[id] is not { } token) continue;
            if (skipSpecialTokens && _special[id]) continue;
            tokens.Add(token);
        }

        if (tokens.Count == 0) return string.Empty;
        if (_decoder is null) return string.Join(' ', tokens);
        _decoder.Decode(tokens);
        return string.Concat(tokens);
    }

    /// <inheritdoc />
    protected override EncodeResults<EncodedToken> EncodeToTokens(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings)
    {
        var s = text ?? textSpan.ToString();
        var pieces = new List<EncodedPiece>();
        Encode(s, addSpecialTokens: false, pieces);
        var count = settings.MaxTokenCount > 0 ? Math.Min(settings.MaxTokenCount, pieces.Count) : pieces.Count;
        var tokens = new List<EncodedToken>(count);
        for (var i = 0; i < count; i++)
        {
            var p = pieces[i];
            tokens.Add(new EncodedToken(p.Id, TokenOf(p.Id) ?? "", new Range(p.Start, p.End)));
        }

        return new EncodeResults<EncodedToken> { Tokens = tokens, CharsConsumed = count == pieces.Count ? s.Length : count > 0 ? pieces[count - 1].End : 0 };
    }

    /// <inheritdoc />
    public override string Decode(IEnumerable<int> ids) => Decode(ids, skipSpecialTokens: true);

    /// <inheritdoc />
    public override System.Buffers.OperationStatus Decode(IEnumerable<int> ids, Span<char> destination, out int idsConsumed, out int charsWritten)
    {
        var list = ids as IReadOnlyList<int> ?? [.. ids];
        var text = Decode(list, skipSpecialTokens: true);
        if (text.Length > destination.Length)
        {
            idsConsumed = 0;
            charsWritten = 0;
            return System.Buffers.OperationStatus.DestinationTooSmall;
        }

        text.AsSpan().CopyTo(destination);
        idsConsumed = list.Count;
        charsWritten = text.Length;
        return System.Buffers.OperationStatus.Done;
    }
}
