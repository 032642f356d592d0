using InferenceScaling.Refinement;
using InferenceScaling.Sampling;
using InferenceScaling.Verification;
using InferenceScaling.Voting;

namespace InferenceScaling.Solving;

/// <summary>
/// A solver's answer and everything behind it: the vote, the traces, why sampling stopped and what it cost.
/// Later pipeline stages return a copy made with <c>with</c> (a new answer, usage added with <c>+</c>).
/// </summary>
public sealed record Solution
{
    /// <summary>The question as given.</summary>
    public required string Question { get; init; }

    /// <summary>The formatted prompt the traces continued.</summary>
    public required string Prompt { get; init; }

    /// <summary>The chosen answer as written by its first trace, or null when no trace produced a voting answer.</summary>
    public required string? Answer { get; init; }

    /// <summary>The chosen answer's group key (canonical form), or null with <see cref="Answer"/>.</summary>
    public required string? AnswerKey { get; init; }

    /// <summary>The chosen answer's share of the vote weight in <see cref="Tally"/> (of the votes, under majority voting), in [0, 1].</summary>
    public required double VoteShare { get; init; }

    /// <summary>Posterior probability that the chosen answer stays ahead of the runner-up in <see cref="Tally"/> (<see cref="BetaPosterior"/>).</summary>
    public required double Confidence { get; init; }

    /// <summary>
    /// The stage whose decision <see cref="Answer"/> is: <see cref="SolutionStage.Vote"/> (the default),
    /// <see cref="SolutionStage.Verification"/> when verification ran, <see cref="SolutionStage.Refinement"/> when
    /// refinement replaced the answer.
    /// </summary>
    public SolutionStage Stage { get; init; }

    /// <summary>
    /// The tally of the stage that produced the answer (<see cref="Stage"/>; its winner is <see cref="Answer"/>): the
    /// vote's (rule's ranking, counts, weights, abstentions), verification's re-weighed vote, or refinement's pool with
    /// the revisions. <see cref="VoteShare"/> and <see cref="Confidence"/> are its share and confidence.
    /// </summary>
    public required VoteTally Tally { get; init; }

    /// <summary>Each stage's tally, by stage (<see cref="Tally"/> is the one of <see cref="Stage"/>).</summary>
    public IReadOnlyDictionary<SolutionStage, VoteTally> Tallies { get; init; } = new Dictionary<SolutionStage, VoteTally>();

    /// <summary>The full distribution of answers, winner first (the tally's groups).</summary>
    public IReadOnlyList<AnswerGroup> Distribution => Tally.Groups;

    /// <summary>The trace that best represents the answer: in the winning group, the highest mean log-probability (lowest index on ties).</summary>
    public required Trace? WinningTrace { get; init; }

    /// <summary>All traces drawn, in arrival order.</summary>
    public required IReadOnlyList<Trace> Traces { get; init; }

    /// <summary>One ballot per trace, in arrival order.</summary>
    public required IReadOnlyList<Ballot> Ballots { get; init; }

    /// <summary>Traces drawn (equal to <see cref="Usage.Samples"/> for the sampling stage).</summary>
    public int TracesDrawn => Traces.Count;

    /// <summary>Traces cancelled before they finished (vote decided, deadline), <see cref="FinishReason.Cancelled"/>.</summary>
    public required int TracesCancelled { get; init; }

    /// <summary>Traces stopped by DeepConf online filtering (<see cref="FinishReason.LowConfidence"/>); they cast no vote.</summary>
    public required int TracesLowConfidence { get; init; }

    /// <summary>Traces that finished on their own but hold no answer (e.g. cut off at the token limit); they cast no vote.</summary>
    public required int TracesUnanswered { get; init; }

    /// <summary>
    /// Why the work stopped: why sampling stopped, or <see cref="StopReason.Deadline"/> when the deadline cut a later
    /// stage (verification, refinement) short, which then returned its best answer so far.
    /// </summary>
    public required StopReason StopReason { get; init; }

    /// <summary>True when the deadline cut a stage short: the answer is the best one so far.</summary>
    public bool IsDeadlineLimited => StopReason == StopReason.Deadline;

    /// <summary>What the answer cost, over all stages.</summary>
    public required Usage Usage { get; init; }

    /// <summary>
    /// The verification stage's checks and candidate scores, or null when no verification ran. When set, the answer,
    /// tally, share, confidence and winning trace are the verifier rule's.
    /// </summary>
    public VerificationResult? Verification { get; init; }

    /// <summary>
    /// The refinement stage's rounds, or null when no refinement stage ran. When refinement changed the answer
    /// (<see cref="RefinementResult.Changed"/>), <see cref="Stage"/> is <see cref="SolutionStage.Refinement"/> and
    /// <see cref="Answer"/>, <see cref="AnswerKey"/>, <see cref="WinningTrace"/>, <see cref="Tally"/>,
    /// <see cref="VoteShare"/> and <see cref="Confidence"/> are the accepted revision's (<see cref="RefinementResult.Tally"/>);
    /// the earlier stages' tallies stay in <see cref="Tallies"/>.
    /// </summary>
    public RefinementResult? Refinement { get; init; }

    /// <summary>
    /// This solution with <paramref name="stage"/>'s choice as its answer: the answer, key, winning trace, tally, share
    /// and confidence all from that stage, its tally added to <see cref="Tallies"/> (the earlier stages' kept), so no
    /// field describes a different answer than the one returned.
    /// </summary>
    internal Solution ChosenBy(SolutionStage stage, VoteTally tally, string? answer, string? answerKey, Trace winningTrace) => this with
    {
        Answer = answer,
        AnswerKey = answerKey,
        WinningTrace = winningTrace,
        VoteShare = tally.Share,
        Confidence = tally.Confidence,
        Tally = tally,
        Tallies = new Dictionary<SolutionStage, VoteTally>(Tallies) { [stage] = tally },
        Stage = stage,
    };
}
