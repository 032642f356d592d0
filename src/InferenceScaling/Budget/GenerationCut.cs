using InferenceScaling.Sampling;

namespace InferenceScaling;

/// <summary>
/// The deadline of one generation a stage runs under the budget (a check, a set of revisions), seen by
/// <see cref="CutCountingGenerator"/> through the async flow: it cuts the generation through a <see cref="TraceControl"/>
/// rather than a cancelled token, so the generator yields what every trace had written and those tokens are counted
/// (<see cref="Spent"/>) instead of lost. Set by <see cref="BudgetMeter.TryRunAsync"/>; not thread-safe (one generation
/// flow at a time).
/// </summary>
internal sealed class GenerationCut(CancellationToken deadline, CancellationToken caller)
{
    private static readonly AsyncLocal<GenerationCut?> Ambient = new();

    /// <summary>The cut of the generation running in this async flow, or null outside one.</summary>
    public static GenerationCut? Current
    {
        get => Ambient.Value;
        set => Ambient.Value = value;
    }

    /// <summary>Cancelled when the call's deadline passes.</summary>
    public CancellationToken Deadline { get; } = deadline;

    /// <summary>The caller's own cancellation (without the deadline): still stops decoding at once and throws.</summary>
    public CancellationToken Caller { get; } = caller;

    /// <summary>Everything generated under this cut so far, finished traces and cut ones alike.</summary>
    public Usage Spent { get; private set; }

    /// <summary>Counts a trace the generator yielded.</summary>
    public void Count(Trace trace) =>
        Spent += new Usage { GeneratedTokens = trace.GeneratedTokens, InjectedTokens = trace.InjectedTokens, DecodeSteps = trace.DecodeSteps, Samples = 1 };

    /// <summary>Counts a request's prompt (one prefill).</summary>
    public void CountPrompt(int tokens) => Spent += new Usage { PromptTokens = tokens, PrefillPasses = 1 };
}
