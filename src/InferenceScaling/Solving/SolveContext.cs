using InferenceScaling.Verification;

namespace InferenceScaling.Solving;

/// <summary>
/// What the stages of one solve call share: the budget meter (one deadline, everything spent) and the checks run so
/// far (so a stage reuses a check another stage ran, instead of reading that stage's result).
/// </summary>
internal sealed class SolveContext(BudgetMeter meter) : IDisposable
{
    /// <summary>The call's budget meter.</summary>
    public BudgetMeter Meter { get; } = meter;

    /// <summary>Every check run in this call, by question and solution.</summary>
    public CheckCache Checks { get; } = new();

    /// <summary>
    /// Runs one check under the meter: timed on the call's clock, cut by the deadline (then the check is null: the
    /// stage stops with its best answer so far), its cost spent and counted, and recorded in <see cref="Checks"/>.
    /// <c>Usage</c> is the check's cost, or what the cut check generated, with its wall time; either way it is spent.
    /// </summary>
    public async Task<(VerificationCheck? Check, Usage Usage)> CheckAsync(
        ICandidateChecker checker, string question, string solution, string? answer, string? answerKey, int? solutionTraceIndex, int streamIndex, CancellationToken cancellationToken)
    {
        var start = Meter.Time.GetTimestamp();
        var (done, check, cut) = await Meter.TryRunAsync(
            token => checker.CheckAsync(question, solution, answer, answerKey, solutionTraceIndex, streamIndex, token), cancellationToken).ConfigureAwait(false);
        if (!done)
        {
            Meter.Spend(cut);
            return (null, cut with { WallTime = Meter.Since(start) });
        }

        check = check! with { Usage = check.Usage with { WallTime = Meter.Since(start) } };
        Meter.SpendCheck(check.Usage);
        Checks.Add(question, check);
        return (check, check.Usage);
    }

    /// <inheritdoc />
    public void Dispose() => Meter.Dispose();
}
