namespace InferenceScaling.Runtime;

/// <summary>
/// A prompt run through the model once: its KV cache (one array per past input, laid out <c>[kvHeads, length, headSize]</c>)
/// and the logits at its last position. Forked into as many rows as the request has traces.
/// </summary>
internal sealed class PrefilledPrompt
{
    public PrefilledPrompt(float[][] cache, int length, float[] lastLogits)
    {
        Cache = cache;
        Length = length;
        LastLogits = lastLogits;
    }

    /// <summary>KV cache per past input (2 × layers arrays), each <c>[kvHeads, Length, headSize]</c>.</summary>
    public float[][] Cache { get; }

    /// <summary>Prompt length in tokens.</summary>
    public int Length { get; }

    /// <summary>Logits after the last prompt token (vocabulary-sized).</summary>
    public float[] LastLogits { get; }
}
