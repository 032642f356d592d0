namespace InferenceScaling.Voting;

/// <summary>The outcome of a vote: every answer group, ranked winner first, with the counts the report needs.</summary>
public sealed record VoteTally
{
    /// <summary>An empty tally (no ballots).</summary>
    public static VoteTally Empty { get; } = new() { Groups = [] };

    /// <summary>Answer groups, ranked: the winner first.</summary>
    public required IReadOnlyList<AnswerGroup> Groups { get; init; }

    /// <summary>The winning group, or null when no ballot voted.</summary>
    public AnswerGroup? Winner => Groups.Count > 0 ? Groups[0] : null;

    /// <summary>Ballots counted for some group.</summary>
    public int Votes { get; init; }

    /// <summary>Ballots that cast no vote (no answer, or not allowed to vote, see <see cref="Ballot.Key"/>).</summary>
    public int Abstentions { get; init; }

    /// <summary>Ballots that voted but that the rule left out (e.g. the low-confidence traces of <see cref="ConfidenceFilteredVote"/>).</summary>
    public int Excluded { get; init; }

    /// <summary>The winner's share of the total weight (its share of votes under <see cref="MajorityVote"/>); 0 without a winner.</summary>
    public double Share { get; init; }

    /// <summary>
    /// Posterior probability that the winner's true vote share exceeds the best other group's (Adaptive-Consistency):
    /// <see cref="BetaPosterior.ProbabilityLeaderAhead"/> of the winner's count and the largest other count. 0 without a winner.
    /// </summary>
    public double Confidence { get; init; }

    /// <summary>
    /// The default ranking: higher weight, then more votes, then higher total log-probability, then the group whose
    /// earliest trace has the lower index, then ordinal key order. Deterministic for any input.
    /// </summary>
    public static IComparer<AnswerGroup> DefaultOrder { get; } = Comparer<AnswerGroup>.Create(static (x, y) =>
    {
        var c = y.Weight.CompareTo(x.Weight);
        if (c != 0) return c;
        c = y.Count.CompareTo(x.Count);
        if (c != 0) return c;
        c = y.TotalLogProb.CompareTo(x.TotalLogProb);
        if (c != 0) return c;
        c = x.FirstIndex.CompareTo(y.FirstIndex);
        return c != 0 ? c : string.CompareOrdinal(x.Key, y.Key);
    });

    /// <summary>
    /// Builds a tally: groups the voting ballots by <see cref="Ballot.Key"/>, sums each ballot's weight into its group,
    /// ranks the groups and computes share and confidence. The helper every rule is written with.
    /// </summary>
    /// <param name="ballots">All ballots (non-voting ones count as abstentions).</param>
    /// <param name="weight">A voting ballot's weight (≥ 0), or null to leave it out (counted in <see cref="Excluded"/>).</param>
    /// <param name="order">Ranking of groups; default <see cref="DefaultOrder"/>.</param>
    /// <returns>The tally.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A weight is negative or not finite.</exception>
    public static VoteTally FromWeights(IReadOnlyList<Ballot> ballots, Func<Ballot, double?> weight, IComparer<AnswerGroup>? order = null)
    {
        ArgumentNullException.ThrowIfNull(ballots);
        ArgumentNullException.ThrowIfNull(weight);
        var builders = new Dictionary<string, GroupBuilder>(StringComparer.Ordinal);
        var abstentions = 0;
        var excluded = 0;
        var votes = 0;
        foreach (var ballot in ballots)
        {
            if (ballot.Key is null) { abstentions++; continue; }
            if (weight(ballot) is not { } w) { excluded++; continue; }
            if (!(w >= 0) || double.IsInfinity(w)) throw new ArgumentOutOfRangeException(nameof(weight), w, "Ballot weights must be finite and ≥ 0.");
            if (!builders.TryGetValue(ballot.Key, out var g))
                builders[ballot.Key] = g = new GroupBuilder(ballot.Key, ballot.Answer?.Text ?? ballot.Key);
            g.Add(ballot, w);
            votes++;
        }

        var groups = new List<AnswerGroup>(builders.Count);
        var totalWeight = 0.0;
        foreach (var g in builders.Values)
        {
            groups.Add(g.Build());
            totalWeight += g.Weight;
        }

        groups.Sort(order ?? DefaultOrder);
        if (groups.Count == 0) return new VoteTally { Groups = groups, Abstentions = abstentions, Excluded = excluded };

        var winner = groups[0];
        var runnerUp = 0;
        for (var i = 1; i < groups.Count; i++) runnerUp = Math.Max(runnerUp, groups[i].Count);
        return new VoteTally
        {
            Groups = groups,
            Votes = votes,
            Abstentions = abstentions,
            Excluded = excluded,
            Share = totalWeight > 0 ? winner.Weight / totalWeight : (double)winner.Count / votes,
            Confidence = BetaPosterior.ProbabilityLeaderAhead(winner.Count, runnerUp),
        };
    }

    /// <summary>Accumulates one group's ballots.</summary>
    private sealed class GroupBuilder(string key, string representative)
    {
        /// <summary>Counted ballots, in arrival order.</summary>
        private readonly List<Ballot> _ballots = [];

        /// <summary>Sum of the counted traces' total log-probability.</summary>
        private double _totalLogProb;

        /// <summary>Sum of the counted traces' mean log-probability.</summary>
        private double _sumMeanLogProb;

        /// <summary>Lowest trace index so far.</summary>
        private int _firstIndex = int.MaxValue;

        /// <summary>Sum of weights.</summary>
        public double Weight { get; private set; }

        public void Add(Ballot ballot, double weight)
        {
            _ballots.Add(ballot);
            Weight += weight;
            _totalLogProb += ballot.Trace.TotalLogProb;
            _sumMeanLogProb += ballot.Trace.MeanLogProb;
            _firstIndex = Math.Min(_firstIndex, ballot.Trace.Index);
        }

        public AnswerGroup Build() => new()
        {
            Key = key,
            Representative = representative,
            Count = _ballots.Count,
            Weight = Weight,
            TotalLogProb = _totalLogProb,
            MeanLogProb = _sumMeanLogProb / _ballots.Count,
            FirstIndex = _firstIndex,
            Ballots = _ballots,
        };
    }
}
