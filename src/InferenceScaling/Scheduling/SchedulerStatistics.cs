namespace InferenceScaling.Scheduling;

/// <summary>A snapshot of a <see cref="ContinuousBatchScheduler"/>'s counters (also published as metrics).</summary>
public sealed record SchedulerStatistics
{
    /// <summary>Requests waiting for their first row to join the batch.</summary>
    public required int QueueLength { get; init; }

    /// <summary>Rows in the running batch.</summary>
    public required int ActiveRows { get; init; }

    /// <summary>Requests with at least one row in the batch.</summary>
    public required int ActiveRequests { get; init; }

    /// <summary>Decode steps run since the scheduler started.</summary>
    public required long DecodeSteps { get; init; }

    /// <summary>Decode steps whose rows came from two or more requests (proof that requests share the batch).</summary>
    public required long SharedSteps { get; init; }

    /// <summary>Most requests that shared one decode step.</summary>
    public required int MaxRequestsInOneStep { get; init; }

    /// <summary>Tokens decoded (one per row per step).</summary>
    public required long DecodedTokens { get; init; }

    /// <summary>Prompts prefilled (one per request that reached the batch).</summary>
    public required long Prefills { get; init; }

    /// <summary>Requests finished (all traces delivered), abandoned ones excluded.</summary>
    public required long RequestsCompleted { get; init; }

    /// <summary>Requests abandoned by their caller (cancelled or stopped reading) before they finished.</summary>
    public required long RequestsAbandoned { get; init; }

    /// <summary>Decoded tokens per second of decode time, smoothed over recent steps.</summary>
    public required double TokensPerSecond { get; init; }

    /// <summary>Scoring passes run between decode steps for the scheduler's continuation scorer.</summary>
    public long ScoringPasses { get; init; }

    /// <summary>Continuations scored in those passes (rows admitted for scoring).</summary>
    public long ScoredContinuations { get; init; }
}
