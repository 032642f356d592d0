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
    internal VerdictTokens? VerdictTokens { get; init; }

    /// <summary>
    /// The first tokens of the words a check writes after each step it re-checks (the arith format's <c> ok</c> /
    /// <c> wrong</c>), when the format has them. With them and top log-probabilities, p(correct) is the probability that
    /// the check passes every step: the product over the step judgements before the verdict of
    /// p(ok) / (p(ok) + p(wrong)), times the verdict's own factor when the verdict is "correct" (after a step called
    /// wrong the verdict follows from it and carries no news). A check that calls a step wrong at 55% then scores 0.45
    /// instead of ~0, which a weighted vote can use. Null (default): the verdict token alone.
    /// </summary>
    internal VerdictTokens? StepTokens { get; init; }

    /// <summary>
    /// Takes the verdict by recomputation instead of the check's verdict words: called with the candidate solution, the
    /// check's text and the verdict the check wrote, it returns the verdict to use (for example the arith format's step
    /// comparison, <c>InferenceScaling.Arith.StepComparison</c>). p(correct) is then 1 or 0 (the recomputation agrees or
    /// not). Not called when the check was cut short. Null (default): the check's own verdict.
    /// </summary>
    public Func<string, string, ParsedVerdict, ParsedVerdict>? Recompute { get; init; }
}
