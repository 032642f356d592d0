using InferenceScaling.Tests.Fakes;
using InferenceScaling.Voting;
using static InferenceScaling.Tests.Fakes.TestTraces;

namespace InferenceScaling.Tests.Voting;

public sealed class VotingRuleTests
{
    [Fact]
    public void Majority_CountsExactlyAndCountsUnansweredAsAbstentions()
    {
        var ballots = Ballots(Answer(0, "4"), Answer(1, "4"), Answer(2, "5"), Answer(3, null), Answer(4, "4"), Answer(5, "5"), Answer(6, "6"), Answer(7, null));
        var tally = MajorityVote.Instance.Tally(ballots);

        Assert.Equal(["4", "5", "6"], tally.Groups.Select(g => g.Key));
        Assert.Equal([3, 2, 1], tally.Groups.Select(g => g.Count));
        Assert.Equal([3.0, 2.0, 1.0], tally.Groups.Select(g => g.Weight));
        Assert.Equal(6, tally.Votes);
        Assert.Equal(2, tally.Abstentions);
        Assert.Equal(0, tally.Excluded);
        Assert.Equal(0.5, tally.Share, 12);
        Assert.Equal(42.0 / 64, tally.Confidence, 12); // P(Bin(6, ½) ≤ 3)
        Assert.Equal([0, 1, 4], tally.Winner!.Ballots.Select(b => b.Trace.Index));
    }

    [Fact]
    public void Vote_TieBreaksOnTotalLogProb()
    {
        // A arrived first, but B's traces are more likely: B wins the 2–2 tie.
        var ballots = Ballots(Answer(0, "A", logProb: -0.3f), Answer(1, "B", logProb: -0.1f), Answer(2, "A", logProb: -0.3f), Answer(3, "B", logProb: -0.1f));
        var tally = MajorityVote.Instance.Tally(ballots);

        Assert.Equal("b", tally.Winner!.Key);
        Assert.Equal(-2.0, tally.Winner.TotalLogProb, 5);
        Assert.Equal(-6.0, tally.Groups[1].TotalLogProb, 5);
        Assert.Equal(0.5, tally.Confidence, 12);
    }

    [Fact]
    public void Vote_FullTieBreaksOnLowestTraceIndex()
    {
        var ballots = Ballots(Answer(1, "B"), Answer(0, "A"), Answer(3, "B"), Answer(2, "A"));
        Assert.Equal("a", MajorityVote.Instance.Tally(ballots).Winner!.Key);
    }

    [Fact]
    public void Vote_WithNoAnswersHasNoWinner()
    {
        var tally = MajorityVote.Instance.Tally(Ballots(Answer(0, null), Answer(1, null)));
        Assert.Null(tally.Winner);
        Assert.Equal(0, tally.Votes);
        Assert.Equal(2, tally.Abstentions);
        Assert.Equal(0, tally.Share);
        Assert.Equal(0, tally.Confidence);
    }

    [Fact]
    public void BallotBox_MergesGroupsWhoseAnswersAreEquivalent()
    {
        var box = new BallotBox(AnswerLineExtractor.Instance, new TrimEquivalence(("0.5", "1/2")));
        box.Add(Answer(0, "1/2"));
        box.Add(Answer(1, "0.5"));
        box.Add(Answer(2, " 0.5 "));
        box.Add(Answer(3, "2"));
        var tally = MajorityVote.Instance.Tally(box.Ballots);

        Assert.Equal(2, tally.Groups.Count);
        Assert.Equal("1/2", tally.Winner!.Key);
        Assert.Equal("1/2", tally.Winner.Representative);
        Assert.Equal(3, tally.Winner.Count);
    }

    [Fact]
    public void BallotBox_KeepsTheAnswerOfABallotThatMayNotVote()
    {
        var box = new BallotBox(AnswerLineExtractor.Instance, TrimEquivalence.Instance);
        var ballot = box.Add(Answer(0, "7"), mayVote: false);
        Assert.Equal("7", ballot.Answer!.Text);
        Assert.False(ballot.CastsVote);
        Assert.Equal(1, MajorityVote.Instance.Tally(box.Ballots).Abstentions);
    }

    [Fact]
    public void LogProbWeighted_WeighsEachTraceByItsGeometricMeanTokenProbability()
    {
        // A: three traces at p = 0.2 per token → 0.6; B: two at p = 0.5 → 1.0. B wins on weight, A on count.
        var a = MathF.Log(0.2f);
        var b = MathF.Log(0.5f);
        var ballots = Ballots(Answer(0, "A", 4, a), Answer(1, "A", 7, a), Answer(2, "B", 3, b), Answer(3, "A", 2, a), Answer(4, "B", 9, b));
        var tally = LogProbWeightedVote.Instance.Tally(ballots);

        Assert.Equal("b", tally.Winner!.Key);
        Assert.Equal(1.0, tally.Winner.Weight, 6);
        Assert.Equal(0.6, tally.Groups[1].Weight, 6);
        Assert.Equal(1.0 / 1.6, tally.Share, 6);
        Assert.Equal(22.0 / 64, tally.Confidence, 12); // the weighted winner has 2 votes to the runner-up's 3
        Assert.Equal("a", MajorityVote.Instance.Tally(ballots).Winner!.Key);
    }

    [Fact]
    public void TraceConfidence_IsTheLowestSlidingWindowMean()
    {
        Assert.Equal(1.0, TraceConfidence.LowestWindowMean(WithConfidences(0, "A", 3, 3, 1, 1), 2), 6);
        Assert.Equal(2.75, TraceConfidence.LowestWindowMean(WithConfidences(0, "A", 0.5f, 5, 5), 2), 6);
        Assert.Equal(1.5, TraceConfidence.LowestWindowMean(WithConfidences(0, "A", 1, 2), 8), 6); // shorter than the window
        Assert.Equal(0.0, TraceConfidence.LowestWindowMean(WithConfidences(0, "A"), 8));
    }

    [Fact]
    public void ConfidenceFiltered_KeepsTheMostConfidentFractionAndWeighsByScore()
    {
        // Scores (window 2): t0 1, t1 2, t2 4, t3 2.75, t4 1.5. Keep ceil(0.5 × 5) = 3: t2, t3, t1.
        var ballots = Ballots(
            WithConfidences(0, "A", 3, 3, 1, 1),
            WithConfidences(1, "A", 2, 2, 2, 2),
            WithConfidences(2, "B", 4, 4, 4),
            WithConfidences(3, "B", 0.5f, 5, 5),
            WithConfidences(4, "A", 1.5f));
        var tally = new ConfidenceFilteredVote(keepFraction: 0.5, windowSize: 2).Tally(ballots);

        Assert.Equal("b", tally.Winner!.Key);
        Assert.Equal(2, tally.Winner.Count);
        Assert.Equal(6.75, tally.Winner.Weight, 6);
        Assert.Equal(1, tally.Groups[1].Count);
        Assert.Equal(2.0, tally.Groups[1].Weight, 6);
        Assert.Equal(3, tally.Votes);
        Assert.Equal(2, tally.Excluded);
        Assert.Equal(6.75 / 8.75, tally.Share, 6);
        Assert.Equal("a", MajorityVote.Instance.Tally(ballots).Winner!.Key);
    }

    [Fact]
    public void ConfidenceFiltered_AlwaysKeepsAtLeastOneTrace()
    {
        var ballots = Ballots(WithConfidences(0, "A", 1, 1), WithConfidences(1, "B", 2, 2));
        var tally = new ConfidenceFilteredVote(keepFraction: 0.1).Tally(ballots);
        Assert.Equal("b", tally.Winner!.Key);
        Assert.Equal(1, tally.Excluded);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.5)]
    public void ConfidenceFiltered_RejectsABadKeepFraction(double keep) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConfidenceFilteredVote(keep));

    [Fact]
    public void FromWeights_LetsACustomRuleReweighAnswers()
    {
        // The shape a verifier-weighted rule takes: scores per answer key, minority answer wins on strong verdicts.
        var scores = new Dictionary<string, double> { ["a"] = 0.1, ["b"] = 0.9 };
        var ballots = Ballots(Answer(0, "A"), Answer(1, "A"), Answer(2, "B"));
        var tally = VoteTally.FromWeights(ballots, b => scores[b.Key!]);
        Assert.Equal("b", tally.Winner!.Key);
        Assert.Equal(0.9 / 1.1, tally.Share, 12);
    }
}
