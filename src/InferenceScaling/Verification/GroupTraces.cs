using InferenceScaling.Voting;

namespace InferenceScaling.Verification;

/// <summary>Picks which traces of an answer group represent it.</summary>
internal static class GroupTraces
{
    /// <summary>The group's ballots, best first: higher mean log-probability, then lower trace index.</summary>
    public static List<Ballot> Ranked(AnswerGroup group)
    {
        var list = new List<Ballot>(group.Ballots);
        list.Sort(static (x, y) =>
        {
            var c = y.Trace.MeanLogProb.CompareTo(x.Trace.MeanLogProb);
            return c != 0 ? c : x.Trace.Index.CompareTo(y.Trace.Index);
        });
        return list;
    }
}
