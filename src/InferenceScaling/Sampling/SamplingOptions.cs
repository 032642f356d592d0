namespace InferenceScaling.Sampling;

/// <summary>
/// How tokens are drawn for one request. Immutable; copy with <c>with</c>. Validate with <see cref="Validate"/>.
/// </summary>
public sealed record SamplingOptions
{
    /// <summary>Softmax temperature. 0 means greedy (argmax). Default 0.8.</summary>
    public float Temperature { get; init; } = 0.8f;

    /// <summary>Keep only the k most likely tokens; 0 turns it off. Default 0.</summary>
    public int TopK { get; init; }

    /// <summary>
    /// Nucleus sampling: keep the smallest set of tokens whose probability reaches p; 1 turns it off. Default 1.
    /// Applied as vLLM applies it: after temperature, <see cref="MinP"/> and <see cref="TopK"/>, over the probability
    /// of what those kept (with top-k 20 and top-p 0.8, the tokens that make up 80% of the top 20's mass).
    /// </summary>
    public float TopP { get; init; } = 1f;

    /// <summary>Drop tokens whose probability is below <c>MinP × p(max)</c>; 0 turns it off. Default 0.</summary>
    public float MinP { get; init; }

    /// <summary>Seed of the request. Row i's random stream depends only on (Seed, i). Default 0.</summary>
    public ulong Seed { get; init; }

    /// <summary>Most tokens a trace may generate. Default 128.</summary>
    public int MaxTokens { get; init; } = 128;

    /// <summary>Strings that end a trace when they appear in its text; not included in the text. Default none.</summary>
    public IReadOnlyList<string> StopStrings { get; init; } = [];

    /// <summary>
    /// How many most-likely tokens' log-probabilities to keep per step (OpenAI's <c>top_logprobs</c>); 0 keeps none.
    /// The token confidence used for voting is computed on the fly and does not need this. Default 0, at most 20.
    /// </summary>
    public int TopLogProbs { get; init; }

    /// <summary>
    /// How many most-likely tokens the per-token confidence averages over (DeepConf: confidence = −mean log-prob of
    /// the top k). Default 5.
    /// </summary>
    public int ConfidenceTopK { get; init; } = 5;

    /// <summary>Keep generating past the end-of-sequence token until <see cref="MaxTokens"/> (fixed-length benchmarks). Default false.</summary>
    public bool IgnoreEndOfSequence { get; init; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first bad setting.</summary>
    public SamplingOptions Validate()
    {
        if (!(Temperature >= 0) || float.IsInfinity(Temperature)) throw new ArgumentOutOfRangeException(nameof(Temperature), Temperature, "Temperature must be a finite number ≥ 0.");
        if (TopK < 0) throw new ArgumentOutOfRangeException(nameof(TopK), TopK, "TopK must be ≥ 0 (0 = off).");
        if (!(TopP > 0 && TopP <= 1)) throw new ArgumentOutOfRangeException(nameof(TopP), TopP, "TopP must be in (0, 1].");
        if (!(MinP >= 0 && MinP < 1)) throw new ArgumentOutOfRangeException(nameof(MinP), MinP, "MinP must be in [0, 1).");
        if (MaxTokens < 1) throw new ArgumentOutOfRangeException(nameof(MaxTokens), MaxTokens, "MaxTokens must be ≥ 1.");
        if (TopLogProbs is < 0 or > 20) throw new ArgumentOutOfRangeException(nameof(TopLogProbs), TopLogProbs, "TopLogProbs must be in [0, 20].");
        if (ConfidenceTopK is < 1 or > 20) throw new ArgumentOutOfRangeException(nameof(ConfidenceTopK), ConfidenceTopK, "ConfidenceTopK must be in [1, 20].");
        foreach (var s in StopStrings)
            if (string.IsNullOrEmpty(s)) throw new ArgumentException("Stop strings must not be empty.", nameof(StopStrings));
        return this;
    }
}
