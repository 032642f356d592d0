namespace InferenceScaling.Voting;

/// <summary>One distinct answer in a tally, with the ballots that voted for it.</summary>
public sealed record AnswerGroup
{
    /// <summary>The group key (canonical form of the answer).</summary>
    public required string Key { get; init; }

    /// <summary>The answer as first written by a trace of the group (the earliest-arriving ballot).</summary>
    public required string Representative { get; init; }

    /// <summary>Ballots counted for this group (after any filtering by the rule).</summary>
    public required int Count { get; init; }

    /// <summary>Sum of the rule's weights of the counted ballots (equals <see cref="Count"/> for <see cref="MajorityVote"/>).</summary>
    public required double Weight { get; init; }

    /// <summary>Sum over the counted traces of their total log-probability.</summary>
    public required double TotalLogProb { get; init; }

    /// <summary>Mean over the counted traces of their per-token mean log-probability.</summary>
    public required double MeanLogProb { get; init; }

    /// <summary>Lowest trace index among the counted ballots (the last, deterministic tie-break).</summary>
    public required int FirstIndex { get; init; }

    /// <summary>The counted ballots, in arrival order.</summary>
    public required IReadOnlyList<Ballot> Ballots { get; init; }
}
