namespace InferenceScaling;

/// <summary>
/// What an answer spent. Additive: stages that run one after another (sampling, verification, refinement rounds)
/// add their usages with <see cref="Add"/> or <c>+</c>; <c>default</c> is the zero usage.
/// </summary>
public readonly record struct Usage
{
    /// <summary>Prompt tokens processed: the prompt's length times the number of requests that prefilled it.</summary>
    public long PromptTokens { get; init; }

    /// <summary>Tokens generated over all traces (<see cref="Sampling.Trace.GeneratedTokens"/>), cancelled traces included.</summary>
    public long GeneratedTokens { get; init; }

    /// <summary>
    /// Tokens tools wrote into traces (<see cref="Sampling.Trace.InjectedTokens"/>), counted apart from
    /// <see cref="GeneratedTokens"/>: each costs a decode step but was not sampled.
    /// </summary>
    public long InjectedTokens { get; init; }

    /// <summary>Decode steps summed over rows (<see cref="Sampling.Trace.DecodeSteps"/>: generated and injected tokens plus end-of-sequence tokens).</summary>
    public long DecodeSteps { get; init; }

    /// <summary>Prefill passes: one per request sent to the trace generator (each wave prefills its prompt once).</summary>
    public long PrefillPasses { get; init; }

    /// <summary>Forward passes, counted per row: <see cref="DecodeSteps"/> (decode steps × rows) plus <see cref="PrefillPasses"/>.</summary>
    public long ForwardPasses => DecodeSteps + PrefillPasses;

    /// <summary>Traces drawn (requested from the generator), whether they finished, were cancelled or stopped early.</summary>
    public int Samples { get; init; }

    /// <summary>Wall-clock time spent. Stages add up as if run one after another.</summary>
    public TimeSpan WallTime { get; init; }

    /// <summary>Why the work stopped; see <see cref="InferenceScaling.StopReason"/> for how reasons combine.</summary>
    public StopReason StopReason { get; init; }

    /// <summary>
    /// Sums two usages field by field; the stop reason is the more binding of the two (the later-listed
    /// <see cref="InferenceScaling.StopReason"/>). Commutative and associative, with <c>default</c> as zero.
    /// </summary>
    /// <param name="other">The usage to add.</param>
    /// <returns>The sum.</returns>
    public Usage Add(Usage other) => new()
    {
        PromptTokens = PromptTokens + other.PromptTokens,
        GeneratedTokens = GeneratedTokens + other.GeneratedTokens,
        InjectedTokens = InjectedTokens + other.InjectedTokens,
        DecodeSteps = DecodeSteps + other.DecodeSteps,
        PrefillPasses = PrefillPasses + other.PrefillPasses,
        Samples = Samples + other.Samples,
        WallTime = WallTime + other.WallTime,
        StopReason = (StopReason)Math.Max((int)StopReason, (int)other.StopReason),
    };

    /// <summary>Sums two usages; see <see cref="Add"/>.</summary>
    /// <param name="left">First usage.</param>
    /// <param name="right">Second usage.</param>
    /// <returns>The sum.</returns>
    public static Usage operator +(Usage left, Usage right) => left.Add(right);
}
