using InferenceScaling.Sampling;
using InferenceScaling.Verification;

namespace InferenceScaling.Refinement;

/// <summary>Settings of a <see cref="RefinementSolver"/>. Immutable; copy with <c>with</c>. Each setter validates its value.</summary>
public sealed record RefinementOptions
{
    /// <summary>
    /// The gate, part one: the vote is decisive (no refinement) only if the winner's <see cref="Solving.Solution.VoteShare"/>
    /// is at least this. In (0, 1]. Default 0.8.
    /// </summary>
    public double DecisiveShare
    {
        get;
        init
        {
            if (!(value is > 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(DecisiveShare), value, "DecisiveShare must be in (0, 1].");
            field = value;
        }
    } = 0.8;

    /// <summary>
    /// The gate, part two: the vote is decisive only if the posterior <see cref="Solving.Solution.Confidence"/> is at
    /// least this. In (0, 1]. Default 0.95 (the <see cref="Budget.Balanced"/> early-stop target).
    /// </summary>
    public double DecisiveConfidence
    {
        get;
        init
        {
            if (!(value is > 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(DecisiveConfidence), value, "DecisiveConfidence must be in (0, 1].");
            field = value;
        }
    } = 0.95;

    /// <summary>The name of the built-in revision source: the prompt set's revise template (question, solution, critique), from which the model rewrites the solution.</summary>
    public const string RevisePrompt = "revise-prompt";

    /// <summary>
    /// Where revisions come from: the name of an <see cref="IRevisionSource"/> (<see cref="RevisePrompt"/> is built in; a
    /// model package registers others with <see cref="Solving.SolverServices.RegisterRevisionSource"/>, as
    /// InferenceScaling.Arith registers <c>continue-from-checked-steps</c>). Resolved when the solver first refines; an
    /// unregistered name fails then with an <see cref="InvalidOperationException"/> naming it. Default <see cref="RevisePrompt"/>.
    /// </summary>
    public string Source
    {
        get;
        init
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(value, nameof(Source));
            field = value;
        }
    } = RevisePrompt;

    /// <summary>
    /// Put up the revision the checker scores highest instead of the most frequent new answer: the best revision of
    /// each new answer is checked (each check counts against the round's cost) and that check confirms it. For cheap,
    /// graded checkers (<c>StepScoreChecker</c>). Default false.
    /// </summary>
    public bool ChooseRevisionByCheck { get; init; }

    /// <summary>Revisions sampled per round (one request). At least 1. Default 2.</summary>
    public int RevisionsPerRound
    {
        get;
        init { ArgumentOutOfRangeException.ThrowIfLessThan(value, 1); field = value; }
    } = 2;

    /// <summary>
    /// Sampling of revisions. Default temperature 0.7 (several revisions should differ), 128 tokens. The prompt set's
    /// stop strings are added.
    /// </summary>
    public SamplingOptions ReviseSampling
    {
        get;
        init => field = (value ?? throw new ArgumentNullException(nameof(ReviseSampling))).Validate();
    } = new() { Temperature = 0.7f, MaxTokens = 128 };

    /// <summary>
    /// What confirms a revised answer. Default <see cref="RevisionConfirmation.Both"/> (for a written critique; with a
    /// <c>StepScoreChecker</c>, <see cref="RevisionConfirmation.Improves"/> with
    /// <see cref="RevisionConfirmation.ReVote"/> suits better: its strict verdict also fails right answers).
    /// </summary>
    public RevisionConfirmation Confirmation
    {
        get;
        init
        {
            const RevisionConfirmation all = RevisionConfirmation.Both | RevisionConfirmation.Improves;
            if (value == 0 || (value & ~all) != 0)
                throw new ArgumentOutOfRangeException(nameof(Confirmation), value, "Confirmation must combine Critique, ReVote and Improves (at least one).");
            field = value;
        }
    } = RevisionConfirmation.Both;

    /// <summary>Least p(correct) a confirming critique must give the revision, in [0, 1]. Default 0.5.</summary>
    public double MinConfirmProbability
    {
        get;
        init
        {
            if (!(value is >= 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(MinConfirmProbability), value, "MinConfirmProbability must be in [0, 1].");
            field = value;
        }
    } = 0.5;

    /// <summary>How critiques are generated and scored. Default <see cref="CheckOptions"/>'s defaults (greedy).</summary>
    public CheckOptions Check
    {
        get;
        init => field = value ?? throw new ArgumentNullException(nameof(Check));
    } = new();
}
