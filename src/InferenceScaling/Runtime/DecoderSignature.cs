namespace InferenceScaling.Runtime;

/// <summary>
/// What a decoder model looks like, discovered from its ONNX session metadata and config files: tensor names,
/// layer count, KV heads (grouped heads included), head size, vocabulary and context.
/// </summary>
public sealed record DecoderSignature
{
    /// <summary>Token ids input, <c>[batch, sequence]</c> int64.</summary>
    public required string InputIds { get; init; }

    /// <summary>Attention mask input over past + new tokens, <c>[batch, total]</c> int64.</summary>
    public required string AttentionMask { get; init; }

    /// <summary>Position ids input when the model takes one, else null.</summary>
    public string? PositionIds { get; init; }

    /// <summary>The <c>use_cache_branch</c> input of merged Optimum decoders, else null.</summary>
    public string? UseCacheBranch { get; init; }

    /// <summary>Logits output, <c>[batch, sequence, vocab]</c>.</summary>
    public required string Logits { get; init; }

    /// <summary>Past key/value inputs, layer by layer: key of layer 0, value of layer 0, key of layer 1, …</summary>
    public required IReadOnlyList<string> PastInputs { get; init; }

    /// <summary>Present key/value outputs in the same order as <see cref="PastInputs"/>.</summary>
    public required IReadOnlyList<string> PresentOutputs { get; init; }

    /// <summary>Number of decoder layers.</summary>
    public required int Layers { get; init; }

    /// <summary>Key/value heads per layer (fewer than attention heads for grouped-query attention).</summary>
    public required int KeyValueHeads { get; init; }

    /// <summary>Size of one head.</summary>
    public required int HeadSize { get; init; }

    /// <summary>Vocabulary size (the logits' last dimension).</summary>
    public required int VocabularySize { get; init; }

    /// <summary>Most tokens (prompt + generated) the model can attend over.</summary>
    public required int ContextLength { get; init; }

    /// <summary>Token ids that end a trace.</summary>
    public required IReadOnlySet<int> EndOfSequenceIds { get; init; }

    /// <summary>Id used for padding, when the config names one.</summary>
    public int? PadId { get; init; }

    /// <summary>Floats in one row of one layer's key (or value) cache per token: KV heads × head size.</summary>
    public int KvWidth => KeyValueHeads * HeadSize;
}
