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

    /// <summary>
    /// The trace's token ids, in order (the end-of-sequence token, when written, excluded): generated tokens and, where a
    /// tool wrote into the trace, its injected tokens (see <see cref="Injected"/>).
    /// </summary>
    public required IReadOnlyList<int> TokenIds { get; init; }

    /// <summary>
    /// Log-probability of each token (same length as <see cref="TokenIds"/>); 0 at injected tokens, which were not drawn.
    /// </summary>
    public required IReadOnlyList<float> TokenLogProbs { get; init; }

    /// <summary>
    /// Per-token confidence (DeepConf): −mean of the top-k log-probabilities at that step. High means the model was sure.
    /// Same length as <see cref="TokenIds"/>; 0 at injected tokens, which <see cref="Voting.TraceConfidence"/> skips.
    /// </summary>
    public required IReadOnlyList<float> TokenConfidences { get; init; }

    /// <summary>Top log-probabilities per step when the request asked for them (<see cref="SamplingOptions.TopLogProbs"/>), else null.</summary>
    public IReadOnlyList<TokenLogProb[]>? TopLogProbs { get; init; }

    /// <summary>Why the trace stopped.</summary>
    public required FinishReason FinishReason { get; init; }

    /// <summary>Prompt length in tokens (shared by every trace of the request, prefilled once).</summary>
    public required int PromptTokens { get; init; }

    /// <summary>
    /// Tokens this trace cost in decode steps (generated and injected tokens, plus the end-of-sequence token when written).
    /// </summary>
    public required int DecodeSteps { get; init; }

    /// <summary>Time the request spent prefilling its prompt (shared by all its traces; zero when unknown).</summary>
    public TimeSpan PrefillTime { get; init; }

    /// <summary>Time from the start of decoding until this trace was final (zero when unknown).</summary>
    public TimeSpan DecodeTime { get; init; }

    /// <summary>
    /// Which tokens a tool injected (same length as <see cref="TokenIds"/>, true at injected tokens), or null when none
    /// was. Setting it also sets <see cref="InjectedTokens"/>.
    /// </summary>
    public IReadOnlyList<bool>? Injected
    {
        get => _injected;
        init
        {
            _injected = value;
            var count = 0;
            if (value is not null)
                for (var i = 0; i < value.Count; i++)
                    if (value[i]) count++;
            InjectedTokens = count;
        }
    }

    /// <summary>Tool calls made while decoding, in order (empty when none).</summary>
    public IReadOnlyList<ToolCall> ToolCalls { get; init; } = [];

    /// <summary>Number of tokens a tool injected (counted apart from <see cref="GeneratedTokens"/>).</summary>
    public int InjectedTokens { get; private init; }

    /// <summary>Number of generated (sampled) tokens: <see cref="TokenIds"/> less the injected ones.</summary>
    public int GeneratedTokens => TokenIds.Count - InjectedTokens;

    /// <summary>Whether token <paramref name="position"/> was injected by a tool.</summary>
    public bool IsInjected(int position) => _injected is { } mask && mask[position];

    /// <summary>Sum of <see cref="TokenLogProbs"/> over generated tokens (injected tokens excluded).</summary>
    public double TotalLogProb
    {
        get
        {
            double sum = 0;
            for (var i = 0; i < TokenLogProbs.Count; i++)
                if (!IsInjected(i)) sum += TokenLogProbs[i];
            return sum;
        }
    }

    /// <summary>Mean log-probability per generated token, injected tokens excluded (0 when none was generated).</summary>
    public double MeanLogProb => GeneratedTokens <= 0 ? 0 : TotalLogProb / GeneratedTokens;

    private readonly IReadOnlyList<bool>? _injected;
}
