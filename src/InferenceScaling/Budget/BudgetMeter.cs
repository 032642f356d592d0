namespace InferenceScaling;

/// <summary>
/// What one solve call may still spend, shared by every stage of the call (sampling, verification, refinement): the
/// tokens, samples, checks and rounds spent so far, and one deadline — a cancellation from the call's
/// <see cref="TimeProvider"/>, started when the meter is. Not thread-safe: the stages of one call run one after
/// another.
/// </summary>
internal sealed class BudgetMeter : IDisposable
{
    /// <summary>Cancelled when <see cref="Budget.Deadline"/> passes; null without a deadline.</summary>
    private readonly CancellationTokenSource? _deadline;

    /// <summary>Starts the meter (and the deadline's timer) now.</summary>
    /// <param name="budget">The call's budget (validated).</param>
    /// <param name="time">The call's clock.</param>
    /// <param name="spent">What was spent before the meter started (a solution refined or verified after the fact).</param>
    public BudgetMeter(Budget budget, TimeProvider time, Usage spent = default)
    {
        Budget = budget.Validate();
        Time = time;
        Spent = spent;
        StartedAt = time.GetTimestamp();
        if (budget.Deadline is { } d) _deadline = new CancellationTokenSource(d, time);
    }

    /// <summary>The call's budget.</summary>
    public Budget Budget { get; }

    /// <summary>The call's clock: every stage measures wall time with it.</summary>
    public TimeProvider Time { get; }

    /// <summary>When the meter started (<see cref="TimeProvider.GetTimestamp"/>).</summary>
    public long StartedAt { get; }

    /// <summary>Cancelled when the deadline passes (never without one).</summary>
    public CancellationToken Deadline => _deadline?.Token ?? CancellationToken.None;

    /// <summary>Whether the deadline has passed, by its timer or by the clock.</summary>
    public bool DeadlinePassed =>
        _deadline is not null && (_deadline.IsCancellationRequested || Time.GetElapsedTime(StartedAt) >= Budget.Deadline!.Value);

    /// <summary>Everything spent so far, over all stages.</summary>
    public Usage Spent { get; private set; }

    /// <summary>Checks run so far (verification's and refinement's).</summary>
    public int Checks { get; private set; }

    /// <summary>Refinement rounds started so far.</summary>
    public int Rounds { get; private set; }

    /// <summary>Adds what a stage spent.</summary>
    public void Spend(Usage usage) => Spent += usage;

    /// <summary>Adds a check's cost and counts it.</summary>
    public void SpendCheck(Usage usage)
    {
        Spent += usage;
        Checks++;
    }

    /// <summary>Counts a refinement round.</summary>
    public void StartRound() => Rounds++;

    /// <summary>Whether <paramref name="tokens"/> more generated tokens fit under <see cref="Budget.MaxGeneratedTokens"/>.</summary>
    public bool Fits(long tokens) => Budget.MaxGeneratedTokens is not { } cap || Spent.GeneratedTokens + tokens <= cap;

    /// <summary>Time since <paramref name="timestamp"/> on the call's clock.</summary>
    public TimeSpan Since(long timestamp) => Time.GetElapsedTime(timestamp);

    /// <summary>
    /// Runs one generation (a check, a set of revisions) under the caller's token and the deadline. Returns false when
    /// the deadline cut it (the caller's own cancellation still throws): the stage then stops and returns its best
    /// answer so far. <c>Cut</c> is what the cut work generated through <see cref="CutCountingGenerator"/> (the
    /// stages' decoder) before and at the cut, for the caller to spend and report; default when the work finished
    /// (its own result carries its cost).
    /// </summary>
    public async Task<(bool Done, T? Value, Usage Cut)> TryRunAsync<T>(Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        if (DeadlinePassed) return (false, default, default);
        if (_deadline is null) return (true, await work(cancellationToken).ConfigureAwait(false), default);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _deadline.Token);
        // Set in this async method, the cut flows into the work and is gone for the caller once it returns.
        var cut = new GenerationCut(_deadline.Token, cancellationToken);
        GenerationCut.Current = cut;
        try
        {
            return (true, await work(linked.Token).ConfigureAwait(false), default);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && _deadline.IsCancellationRequested)
        {
            return (false, default, cut.Spent);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _deadline?.Dispose();
}
