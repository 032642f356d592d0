namespace InferenceScaling.Sampling;

/// <summary>How likely the model finds one continuation (see <see cref="IContinuationScorer"/>).</summary>
public sealed record ContinuationScore
{
    /// <summary>Log-probability of each continuation token given everything before it.</summary>
    public required IReadOnlyList<float> TokenLogProbs { get; init; }

    /// <summary>
    /// True when every continuation token is the model's most likely token at its position: greedy decoding would
    /// have written exactly this continuation.
    /// </summary>
    public required bool IsGreedy { get; init; }

    /// <summary>
    /// The most likely tokens at each continuation position (most likely first), when the scorer was asked for them
    /// (<c>OnnxContinuationScorer.ScoreTokensAsync</c>); else null.
    /// </summary>
    public IReadOnlyList<TokenLogProb[]>? TopLogProbs { get; init; }

    /// <summary>Tokens of the prompt.</summary>
    public required int PromptTokens { get; init; }

    /// <summary>Sum of <see cref="TokenLogProbs"/>: the log-probability of the whole continuation.</summary>
    public double LogProb
    {
        get
        {
            double sum = 0;
            foreach (var lp in TokenLogProbs) sum += lp;
            return sum;
        }
    }
}
