namespace InferenceScaling.Runtime;

/// <summary>
/// A prompt run through the model once: its KV cache in the graph's element type (one array per past input, laid out
/// <c>[planes, kvHeads, length, headSize]</c>) and the logits at its last position. Forked into as many rows as the
/// request has traces.
/// </summary>
internal sealed class PrefilledPrompt
{
    public PrefilledPrompt(byte[][] cache, int length, float[] lastLogits)
    {
        Cache = cache;
        Length = length;
        LastLogits = lastLogits;
    }

    /// <summary>KV cache per past input, raw elements of <see cref="DecoderSignature.CacheElementType"/>.</summary>
    public byte[][] Cache { get; }

    /// <summary>Prompt length in tokens.</summary>
    public int Length { get; }

    /// <summary>Logits after the last prompt token (vocabulary-sized).</summary>
    public float[] LastLogits { get; }
}
