using InferenceScaling.Sampling;

namespace InferenceScaling.Solving;

/// <summary>Settings of a <see cref="SelfConsistencySolver"/>. Immutable; copy with <c>with</c>. Each setter validates its value.</summary>
public sealed record SelfConsistencyOptions
{
    /// <summary>The shipped model's solve prompt: <c>Q: {question}\nA:</c>.</summary>
    /// <param name="question">The question.</param>
    /// <returns>The prompt.</returns>
    public static string FormatDefaultPrompt(string question) => $"Q: {question}\nA:";

    /// <summary>Turns a question into the prompt the traces continue. Default <see cref="FormatDefaultPrompt"/>.</summary>
    public Func<string, string> PromptTemplate
    {
        get;
        init => field = value ?? throw new ArgumentNullException(nameof(PromptTemplate));
    } = FormatDefaultPrompt;

    /// <summary>How tokens are drawn; <see cref="SamplingOptions.MaxTokens"/> is the per-trace limit. Default <see cref="SamplingOptions"/>'s defaults.</summary>
    public SamplingOptions Sampling
    {
        get;
        init => field = (value ?? throw new ArgumentNullException(nameof(Sampling))).Validate();
    } = new();

    /// <summary>
    /// ESC: stop when this many consecutive finished traces (arrival order) all vote for the leading answer. Only when
    /// early stopping is on (<see cref="Budget.TargetConfidence"/> set). 0 turns it off. Default 8.
    /// </summary>
    public int UnanimousWindow
    {
        get;
        init { ArgumentOutOfRangeException.ThrowIfNegative(value); field = value; }
    } = 8;

    /// <summary>
    /// Whether a cancelled trace that already wrote an answer votes. Default false: a cancelled trace may have written a
    /// provisional answer it would have revised, and leaving it out keeps a decided vote exactly as decided. Its answer
    /// is still kept on its <see cref="Voting.Ballot"/>. Traces stopped for low confidence never vote.
    /// </summary>
    public bool CancelledTracesVote { get; init; }

    /// <summary>
    /// DeepConf online: after the first wave, set <see cref="TraceControl.MinWindowConfidence"/> so later traces whose
    /// window confidence drops below the first wave's (1 − fraction) quantile of lowest-window confidence are stopped
    /// (they cast no vote). 0.9 keeps about 90% (threshold at the 10th percentile). In (0, 1], or null (default) for off.
    /// </summary>
    public double? OnlineKeepFraction
    {
        get;
        init
        {
            if (value is { } v && !(v > 0 && v <= 1)) throw new ArgumentOutOfRangeException(nameof(OnlineKeepFraction), value, "OnlineKeepFraction must be in (0, 1] or null.");
            field = value;
        }
    }

    /// <summary>Tokens per window for DeepConf online (<see cref="TraceControl.ConfidenceWindow"/>). Default 8.</summary>
    public int ConfidenceWindow
    {
        get;
        init { ArgumentOutOfRangeException.ThrowIfLessThan(value, 1); field = value; }
    } = 8;
}
