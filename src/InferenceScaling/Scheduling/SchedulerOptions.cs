namespace InferenceScaling.Scheduling;

/// <summary>
/// Settings of a <see cref="ContinuousBatchScheduler"/>. Immutable; copy with <c>with</c>. Each setter validates its value
/// and throws <see cref="ArgumentOutOfRangeException"/> naming it.
/// </summary>
public sealed record SchedulerOptions
{
    /// <summary>Most rows (traces) decoded together in one step. Default 64.</summary>
    public int MaxRows
    {
        get;
        init { ArgumentOutOfRangeException.ThrowIfLessThan(value, 1); field = value; }
    } = 64;

    /// <summary>
    /// Most rows one request may hold at once, or null (default) for <see cref="MaxRows"/>. Free rows are handed out
    /// round-robin over waiting requests in arrival order, so a large request never starves a small one; this cap
    /// additionally reserves room for requests that arrive while a large one is running.
    /// </summary>
    public int? MaxRowsPerRequest
    {
        get;
        init { if (value is < 1) throw new ArgumentOutOfRangeException(nameof(MaxRowsPerRequest), value, "MaxRowsPerRequest must be ≥ 1 or null."); field = value; }
    }

    /// <summary>
    /// KV-cache budget in tokens, or null (default) for none beyond <see cref="MaxRows"/>: each admitted row reserves
    /// its prompt length plus its token limit, and a row joins only while the reserved total stays within the budget
    /// (a lone row always joins, so an oversized request still runs). Admission stops at the first request that does
    /// not fit, so later small requests cannot overtake it forever.
    /// </summary>
    public long? MaxKvTokens
    {
        get;
        init { if (value is < 1) throw new ArgumentOutOfRangeException(nameof(MaxKvTokens), value, "MaxKvTokens must be ≥ 1 or null."); field = value; }
    }

    /// <summary>
    /// Requests that may wait for admission. A caller of <see cref="ContinuousBatchScheduler.GenerateAsync"/> waits
    /// while the queue is full (back-pressure); a server checks <see cref="ContinuousBatchScheduler.IsQueueFull"/>
    /// first to reject instead. Default 256.
    /// </summary>
    public int QueueCapacity
    {
        get;
        init { ArgumentOutOfRangeException.ThrowIfLessThan(value, 1); field = value; }
    } = 256;

    /// <summary>Prompt tokens run per prefill pass. Default 512.</summary>
    public int PrefillChunkTokens
    {
        get;
        init { ArgumentOutOfRangeException.ThrowIfLessThan(value, 1); field = value; }
    } = 512;

    /// <summary>The per-request cap in effect: <see cref="MaxRowsPerRequest"/>, at most <see cref="MaxRows"/>.</summary>
    public int EffectiveMaxRowsPerRequest => Math.Min(MaxRowsPerRequest ?? MaxRows, MaxRows);
}
