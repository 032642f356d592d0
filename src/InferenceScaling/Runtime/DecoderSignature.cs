using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceScaling.Runtime;

/// <summary>
/// What a decoder model looks like, discovered from its ONNX session metadata and config files: tensor names,
/// layer count, KV heads (grouped heads included), head size, vocabulary and context.
/// </summary>
internal sealed record DecoderSignature
{
    /// <summary>Token ids input, <c>[batch, sequence]</c> int64.</summary>
    public required string InputIds { get; init; }

    /// <summary>Attention mask input over past + new tokens, <c>[batch, total]</c> int64.</summary>
    public required string AttentionMask { get; init; }

    /// <summary>Position ids input when the model takes one, else null.</summary>
    public string? PositionIds { get; init; }

    /// <summary>The <c>use_cache_branch</c> input of merged Optimum decoders, else null.</summary>
    public string? UseCacheBranch { get; init; }

    /// <summary>
    /// The <c>num_logits_to_keep</c> (or <c>logits_to_keep</c>) input, else null. Fed 1 when generating, so only the
    /// last position's logits leave the graph, and 0 (every position) when scoring.
    /// </summary>
    public string? LogitsToKeep { get; init; }

    /// <summary>Logits output, <c>[batch, sequence, vocab]</c>.</summary>
    public required string Logits { get; init; }

    /// <summary>
    /// Past key/value inputs, layer by layer: key of layer 0, value of layer 0, key of layer 1, … — or, for combined
    /// caches (<see cref="CombinedKeyValue"/>), one input per layer holding key and value.
    /// </summary>
    public required IReadOnlyList<string> PastInputs { get; init; }

    /// <summary>Present key/value outputs in the same order as <see cref="PastInputs"/>.</summary>
    public required IReadOnlyList<string> PresentOutputs { get; init; }

    /// <summary>
    /// Whether each past input holds a layer's key and value together, <c>[2, batch, kvHeads, past, head]</c> (GPT-2
    /// style <c>past_%d</c> names), rather than one of them, <c>[batch, kvHeads, past, head]</c>.
    /// </summary>
    public bool CombinedKeyValue { get; init; }

    /// <summary>Element type of the KV cache (float32, float16 or bfloat16); the cache stays in it.</summary>
    public TensorElementType CacheElementType { get; init; } = TensorElementType.Float;

    /// <summary>Element type of the logits output (float32, float16 or bfloat16); converted to float for sampling.</summary>
    public TensorElementType LogitsElementType { get; init; } = TensorElementType.Float;

    /// <summary>How attention reads the batch, detected from the graph's operators; decides the row layout.</summary>
    public AttentionKind Attention { get; init; } = AttentionKind.Standard;

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

    /// <summary>Elements in one row of one layer's key (or value) cache per token: KV heads × head size.</summary>
    public int KvWidth => KeyValueHeads * HeadSize;

    /// <summary>Bytes per KV-cache element.</summary>
    public int CacheElementSize => CacheElementType == TensorElementType.Float ? 4 : 2;

    /// <summary>Key/value planes per past input: 2 for combined caches, else 1.</summary>
    public int PlanesPerInput => CombinedKeyValue ? 2 : 1;
}
