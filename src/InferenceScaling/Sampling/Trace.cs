namespace InferenceScaling.Sampling;

/// <summary>
/// One sampled reasoning trace: what the model wrote for one row of a request, with the per-token evidence that
/// voting rules weigh. Log-probabilities are of the model's distribution before temperature and truncation.
/// </summary>
public sealed record Trace
{
    /// <summary>Row index within the request's random streams (<see cref="TraceRequest.FirstIndex"/> + row).</summary>
    public required int Index { get; init; }

    /// <summary>The generated text (stop string and end-of-sequence token excluded).</summary>
    public required string Text { get; init; }

    /// <summary>Generated token ids, in order (the end-of-sequence token, when written, excluded).</summary>
    public required IReadOnlyList<int> TokenIds { get; init; }

    /// <summary>Log-probability of each generated token (same length as <see cref="TokenIds"/>).</summary>
    public required IReadOnlyList<float> TokenLogProbs { get; init; }

    /// <summary>
    /// Per-token confidence (DeepConf): −mean of the top-k log-probabilities at that step. High means the model was sure.
    /// Same length as <see cref="TokenIds"/>.
    /// </summary>
    public required IReadOnlyList<float> TokenConfidences { get; init; }

    /// <summary>Top log-probabilities per step when the request asked for them (<see cref="SamplingOptions.TopLogProbs"/>), else null.</summary>
    public IReadOnlyList<TokenLogProb[]>? TopLogProbs { get; init; }

    /// <summary>Why the trace stopped.</summary>
    public required FinishReason FinishReason { get; init; }

    /// <summary>Prompt length in tokens (shared by every trace of the request, prefilled once).</summary>
    public required int PromptTokens { get; init; }

    /// <summary>Tokens this trace cost in decode steps (generated tokens, plus the end-of-sequence token when written).</summary>
    public required int DecodeSteps { get; init; }

    /// <summary>Time the request spent prefilling its prompt (shared by all its traces; zero when unknown).</summary>
    public TimeSpan PrefillTime { get; init; }

    /// <summary>Time from the start of decoding until this trace was final (zero when unknown).</summary>
    public TimeSpan DecodeTime { get; init; }

    /// <summary>Number of generated tokens.</summary>
    public int GeneratedTokens => TokenIds.Count;

    /// <summary>Sum of <see cref="TokenLogProbs"/>.</summary>
    public double TotalLogProb
    {
        get
        {
            double sum = 0;
            for (var i = 0; i < TokenLogProbs.Count; i++) sum += TokenLogProbs[i];
            return sum;
        }
    }

    /// <summary>Mean log-probability per generated token (0 for an empty trace).</summary>
    public double MeanLogProb => TokenLogProbs.Count == 0 ? 0 : TotalLogProb / TokenLogProbs.Count;
}
