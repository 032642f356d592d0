using InferenceScaling.Sampling;

namespace InferenceScaling.Verification;

/// <summary>How one check (a critique of a candidate solution) is generated and scored. Immutable; copy with <c>with</c>.</summary>
public sealed record CheckOptions
{
    /// <summary>
    /// Sampling of the check. Default greedy (<see cref="SamplingOptions.Temperature"/> 0: a check is a judgement,
    /// and the same solution should get the same verdict), <see cref="SamplingOptions.MaxTokens"/> 160,
    /// <see cref="SamplingOptions.TopLogProbs"/> 5 (read at the verdict position when <see cref="VerdictTokens"/> is
    /// set). The prompt set's stop strings are added to <see cref="SamplingOptions.StopStrings"/>.
    /// </summary>
    public SamplingOptions Sampling
    {
        get;
        init => field = (value ?? throw new ArgumentNullException(nameof(Sampling))).Validate();
    } = new() { Temperature = 0f, MaxTokens = 160, TopLogProbs = 5 };

    /// <summary>
    /// The verdict words' first tokens, when known (<see cref="Verification.VerdictTokens.FromTokenizer"/>). Null
    /// (default): score from the written verdict token's own probability (see <see cref="SolutionChecker"/>).
    /// </summary>
    public VerdictTokens? VerdictTokens { get; init; }
}
