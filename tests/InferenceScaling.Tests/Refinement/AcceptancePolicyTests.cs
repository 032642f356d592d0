using InferenceScaling.Refinement;
using InferenceScaling.Sampling;
using InferenceScaling.Tests.Fakes;
using InferenceScaling.Verification;
using InferenceScaling.Voting;

namespace InferenceScaling.Tests.Refinement;

public sealed class AcceptancePolicyTests
{
    private static VerificationCheck Check(VerdictKind verdict, double? p) => new()
    {
        AnswerKey = null, Answer = null, Solution = "s", Text = "", Verdict = verdict, CorrectProbability = p, FinishReason = FinishReason.EndOfSequence, Usage = default,
    };

    /// <summary>A pool where 7 (the critiqued answer) has 3 votes and 5 has 2, plus one revision answering <paramref name="revised"/>.</summary>
    private static (BallotBox Pool, Ballot Candidate) Pool(string revised)
    {
        var pool = new BallotBox(AnswerLineExtractor.Instance, TrimEquivalence.Instance);
        foreach (var (a, i) in new[] { "7", "5", "7", "5", "7" }.Select((a, i) => (a, i))) pool.Add(TestTraces.Create(i, $"Answer: {a}", [-0.1f]));
        var trace = TestTraces.Create(5, $"Answer: {revised}", [-0.1f]);
        return (pool, pool.Add(trace));
    }

    private static (bool, IReadOnlyList<AcceptanceReason>, string?) Decide(RevisionConfirmation confirmation, VerificationCheck? confirm, string revised = "5", double min = 0.5)
    {
        var (pool, candidate) = Pool(revised);
        var policy = AcceptancePolicy.For(new RefinementOptions { Confirmation = confirmation, MinConfirmProbability = min });
        return policy.Decide(new AcceptanceEvidence(candidate, Check(VerdictKind.Wrong, 0.2), confirm, pool, "7"));
    }

    private static void Expect((bool Accepted, AcceptanceReason[] Reasons, string? Leader) expected, (bool Accepted, IReadOnlyList<AcceptanceReason> Reasons, string? Leader) actual)
    {
        Assert.Equal(expected.Accepted, actual.Accepted);
        Assert.Equal(expected.Reasons, actual.Reasons);
        Assert.Equal(expected.Leader, actual.Leader);
    }

    [Fact]
    public void Both_AcceptsACritiqueConfirmedRevisionThatLeadsTheReVote() =>
        Expect((true, [AcceptanceReason.CritiqueSaysCorrect, AcceptanceReason.LeadsReVote], "5"), Decide(RevisionConfirmation.Both, Check(VerdictKind.Correct, 0.9)));

    [Fact]
    public void Critique_BelowTheLeastProbability_IsNotConfident()
    {
        var (accepted, reasons, _) = Decide(RevisionConfirmation.Critique, Check(VerdictKind.Correct, 0.4));
        Assert.False(accepted);
        Assert.Equal([AcceptanceReason.CritiqueNotConfident], reasons);
    }

    [Fact]
    public void Critique_WithoutAVerdict_Rejects() =>
        Expect((false, [AcceptanceReason.CritiqueNoVerdict], null), Decide(RevisionConfirmation.Critique, Check(VerdictKind.None, null)));

    [Fact]
    public void Improves_ComparesWithTheReplacedAnswersScore()
    {
        Expect((true, [AcceptanceReason.ScoresHigher], null), Decide(RevisionConfirmation.Improves, Check(VerdictKind.Wrong, 0.3)));
        Expect((false, [AcceptanceReason.ScoresNoHigher], null), Decide(RevisionConfirmation.Improves, Check(VerdictKind.Wrong, 0.2)));
    }

    [Fact]
    public void NoConfirmationCheck_FailsTheCheckedConfirmationsOnce_AndStillReVotes()
    {
        var (accepted, reasons, leader) = Decide(RevisionConfirmation.Critique | RevisionConfirmation.Improves | RevisionConfirmation.ReVote, null, revised: "9");
        Assert.False(accepted);
        Assert.Equal([AcceptanceReason.NoRoomToCheck, AcceptanceReason.ReVotePrefersAnother], reasons);
        Assert.Equal("5", leader);
    }

    [Fact]
    public void ReVoteOnly_NeedsNoCheck() =>
        Assert.False(AcceptancePolicy.For(new RefinementOptions { Confirmation = RevisionConfirmation.ReVote }).NeedsCheck);
}
