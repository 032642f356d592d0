namespace InferenceScaling.Voting;

/// <summary>
/// DeepConf offline voting (Fu et al., 2025): score each answered trace by its lowest group confidence
/// (<see cref="TraceConfidence.LowestWindowMean"/> over <see cref="WindowSize"/> tokens), keep the
/// <see cref="KeepFraction"/> most confident traces, and vote weighted by the score. Traces left out are reported in
/// <see cref="VoteTally.Excluded"/>. Immutable and thread-safe.
/// </summary>
internal sealed class ConfidenceFilteredVote : IVotingRule
{
    /// <summary>Creates the rule.</summary>
    /// <param name="keepFraction">
    /// Fraction of answered traces kept, in (0, 1]: 0.9 is DeepConf-high (drop the least confident 10%), 0.1 is
    /// DeepConf-low. Default 0.9. At least one trace is always kept; the count kept is ceil(fraction × answered).
    /// </param>
    /// <param name="windowSize">Tokens per sliding window, ≥ 1. Default 8 (traces of the shipped model are short; DeepConf used 2048 for long reasoning).</param>
    public ConfidenceFilteredVote(double keepFraction = 0.9, int windowSize = 8)
    {
        if (!(keepFraction > 0 && keepFraction <= 1)) throw new ArgumentOutOfRangeException(nameof(keepFraction), keepFraction, "keepFraction must be in (0, 1].");
        ArgumentOutOfRangeException.ThrowIfLessThan(windowSize, 1);
        KeepFraction = keepFraction;
        WindowSize = windowSize;
    }

    /// <summary>Fraction of answered traces kept, in (0, 1].</summary>
    public double KeepFraction { get; }

    /// <summary>Tokens per sliding window.</summary>
    public int WindowSize { get; }

    /// <inheritdoc />
    public VoteTally Tally(IReadOnlyList<Ballot> ballots)
    {
        ArgumentNullException.ThrowIfNull(ballots);
        var scored = new List<(Ballot Ballot, double Score)>();
        foreach (var b in ballots)
            if (b.CastsVote) scored.Add((b, TraceConfidence.LowestWindowMean(b.Trace, WindowSize)));

        // Most confident first; equal scores keep the earlier trace index so the cut is deterministic.
        scored.Sort(static (x, y) =>
        {
            var c = y.Score.CompareTo(x.Score);
            return c != 0 ? c : x.Ballot.Trace.Index.CompareTo(y.Ballot.Trace.Index);
        });
        var keep = Math.Max(1, (int)Math.Ceiling(KeepFraction * scored.Count - 1e-9));
        var weights = new Dictionary<Ballot, double>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < Math.Min(keep, scored.Count); i++) weights[scored[i].Ballot] = scored[i].Score;
        return VoteTally.FromWeights(ballots, b => weights.TryGetValue(b, out var w) ? w : null);
    }
}
