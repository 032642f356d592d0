using InferenceScaling.Sampling;
using InferenceScaling.Solving;
using InferenceScaling.Voting;

namespace InferenceScaling.Refinement;

/// <summary>The state of one refinement: the re-vote pool, the current answer, the rounds so far.</summary>
internal sealed class RefinementRun
{
    private readonly List<CritiqueRound> _rounds = [];
    private readonly HashSet<string> _replaced = new(StringComparer.Ordinal);
    private readonly string _originalKey;
    private Usage _total;

    public RefinementRun(Solution solution, BallotBox pool)
    {
        Solution = solution;
        Pool = pool;
        // The re-vote pool: the original traces (voting as they did) plus every revision, grouped as the vote grouped.
        foreach (var b in solution.Ballots) pool.Add(b.Trace, b.CastsVote);
        _originalKey = pool.GroupKey(solution.Answer ?? solution.AnswerKey!);
        Current = (solution.WinningTrace!, solution.Answer, _originalKey);
    }

    public Solution Solution { get; }

    public BallotBox Pool { get; }

    public (Trace Trace, string? Answer, string Key) Current { get; private set; }

    public int RevisionsDrawn { get; set; }

    public bool DeadlineHit { get; private set; }

    /// <summary>Marks the deadline hit; the round (if it began) ends with <see cref="RoundOutcome.Deadline"/>.</summary>
    public CritiqueRound? Cut(CritiqueRound? round)
    {
        DeadlineHit = true;
        return round is null ? null : round with { Outcome = RoundOutcome.Deadline };
    }

    public void Record(CritiqueRound round, Ballot? accepted)
    {
        _rounds.Add(round);
        _total += round.Usage;
        if (accepted is null) return;
        _replaced.Add(Current.Key);
        Current = (accepted.Trace, accepted.Answer?.Text, accepted.Key!);
    }

    /// <summary>The refined solution: the accepted revision's answer, trace and pool tally, or the answer kept.</summary>
    public Solution Finish(GateDecision gate, string why)
    {
        var total = DeadlineHit ? _total with { StopReason = StopReason.Deadline } : _total;
        var result = new RefinementResult
        {
            Gate = gate,
            GateReason = why,
            Rounds = _rounds,
            OriginalAnswer = Solution.Answer,
            OriginalAnswerKey = Solution.AnswerKey,
            FinalAnswer = Current.Answer,
            FinalAnswerKey = Current.Key == _originalKey ? Solution.AnswerKey : Current.Key,
            Usage = total,
        };
        var stop = DeadlineHit ? StopReason.Deadline : Solution.StopReason;
        if (!result.Changed) return Solution with { StopReason = stop, Usage = Solution.Usage + total, Refinement = result };

        var pool = PoolTally();
        return Solution.ChosenBy(SolutionStage.Refinement, pool, Current.Answer, result.FinalAnswerKey, Current.Trace) with
        {
            StopReason = stop,
            Usage = Solution.Usage + total,
            Refinement = result with { Tally = pool },
        };
    }

    /// <summary>The record of a refinement the gate kept shut.</summary>
    public static RefinementResult Skipped(Solution solution, GateDecision gate, string why) => new()
    {
        Gate = gate,
        GateReason = why,
        Rounds = [],
        OriginalAnswer = solution.Answer,
        OriginalAnswerKey = solution.AnswerKey,
        FinalAnswer = solution.Answer,
        FinalAnswerKey = solution.AnswerKey,
        Usage = default,
    };

    /// <summary>The pool tally with the replaced answers set aside and the accepted one ranked first (see <see cref="RefinementResult.Tally"/>).</summary>
    private VoteTally PoolTally()
    {
        var accepted = Current.Key;
        var order = Comparer<AnswerGroup>.Create((x, y) =>
            x.Key == accepted ? (y.Key == accepted ? 0 : -1) : y.Key == accepted ? 1 : VoteTally.DefaultOrder.Compare(x, y));
        return VoteTally.FromWeights(Pool.Ballots, b => _replaced.Contains(b.Key!) ? null : 1.0, order);
    }
}
