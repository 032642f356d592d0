namespace InferenceScaling.Sampling;

/// <summary>Ask for <see cref="Count"/> traces of one prompt.</summary>
public sealed record TraceRequest
{
    /// <summary>The full prompt text (already formatted with its template).</summary>
    public required string Prompt { get; init; }

    /// <summary>Number of traces. Default 1.</summary>
    public int Count { get; init; } = 1;

    /// <summary>
    /// Index of the first trace's random stream: traces get indices FirstIndex … FirstIndex + Count − 1, so a second wave
    /// of the same question (FirstIndex = traces already drawn) draws new samples, and a trace is the same whatever
    /// batch it ran in. Default 0.
    /// </summary>
    public int FirstIndex { get; init; }

    /// <summary>How tokens are drawn. Default <see cref="SamplingOptions"/>'s defaults.</summary>
    public SamplingOptions Sampling { get; init; } = new();

    /// <summary>Optional handle to cancel single traces while the rest go on.</summary>
    public TraceControl? Control { get; init; }

    /// <summary>
    /// Optional tools inside the decode loop: called once per trace with the trace's index, returns that trace's
    /// <see cref="ITokenInjector"/> (or null for none). Default null: no tools.
    /// </summary>
    public Func<int, ITokenInjector?>? Injector { get; init; }
}
