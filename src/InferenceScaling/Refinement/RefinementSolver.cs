using InferenceScaling.Answers;
using InferenceScaling.Prompts;
using InferenceScaling.Sampling;
using InferenceScaling.Solving;
using InferenceScaling.Verification;
using InferenceScaling.Voting;

namespace InferenceScaling.Refinement;

/// <summary>
/// Gated self-refinement: after the vote (and verification, when the pipeline has it), critiques the winning answer
/// and revises it — but only when the vote was not decisive, for at most <see cref="Budget.MaxRefinementRounds"/>
/// rounds, and keeping a revised answer only when it is confirmed. Thread-safe if its components are.
/// </summary>
/// <remarks>
/// <para>Three policies make it up. <b>The gate</b> (<see cref="GateDecision"/>): refinement runs when the budget allows
/// rounds, there is an answer, the deadline has not passed, and the vote is not decisive
/// (<see cref="Solution.VoteShare"/> &lt; <see cref="RefinementOptions.DecisiveShare"/> or
/// <see cref="Solution.Confidence"/> &lt; <see cref="RefinementOptions.DecisiveConfidence"/>). With 0 rounds the
/// solution passes through unchanged (no <see cref="Solution.Refinement"/>). <b>The revision source</b>
/// (<see cref="RefinementOptions.Source"/>, <see cref="IRevisionSource"/>): the prompt revisions are sampled from.
/// <b>The acceptance policy</b> (<see cref="RefinementOptions.Confirmation"/>): what must confirm a revised answer,
/// with a reason code per confirmation (<see cref="AcceptanceReason"/>).</para>
/// <para><b>A round.</b> Critique the current answer's solution — a check of the same text that any stage of this call
/// ran already (verification, an earlier round) is reused. "Correct" → stop. No verdict → stop (malformed critiques
/// never trigger a change). "Wrong" → sample <see cref="RefinementOptions.RevisionsPerRound"/> revisions, read their
/// answers, put up the most frequent new answer (ties: higher mean log-probability; or the best-checked one with
/// <see cref="RefinementOptions.ChooseRevisionByCheck"/>) and accept it if the policy confirms it. An accepted revision
/// becomes the current answer (its confirming check is reused next round); a rejected one leaves the answer, and the
/// next round samples new revisions.</para>
/// <para><b>Budget.</b> The call's meter: every generated token is added to <see cref="Solution.Usage"/> and to each
/// round's usage; with <see cref="Budget.MaxGeneratedTokens"/> a generation runs only if it fits in full in what the
/// call has left; at <see cref="Budget.Deadline"/> the running generation is cancelled and the current answer stays
/// (<see cref="RoundOutcome.Deadline"/>).</para>
/// </remarks>
/// <example>
/// <code>
/// var solver = model.AsSolver(b =&gt; b.UseRefinement().UseVerification());   // either order: verification runs first
/// </code>
/// </example>
internal sealed class RefinementSolver : DelegatingSolver, ISolverStage
{
    private readonly ITraceGenerator _generator;
    private readonly PromptSet _prompts;
    private readonly IAnswerExtractor _extractor;
    private readonly IAnswerEquivalence _equivalence;
    private readonly ICandidateChecker _checker;

    /// <summary>Revision sampling, the prompt set's stop strings merged.</summary>
    private readonly SamplingOptions _reviseSampling;

    private readonly RefinementOptions _options;
    private readonly RefinementGate _gate;
    private readonly AcceptancePolicy _acceptance;

    /// <summary>The call's clock when given; else the sampler's.</summary>
    private readonly TimeProvider? _time;

    /// <summary>Resolved on first use: a provider assembly may register it after this solver is built.</summary>
    private IRevisionSource? _revisions;

    /// <summary>Wraps <paramref name="innerSolver"/>. Does no I/O.</summary>
    /// <param name="innerSolver">The solver whose answer is refined.</param>
    /// <param name="generator">Generates critiques and revisions (the model that solved).</param>
    /// <param name="prompts">The prompt set (critique and revise templates, verdicts, stop strings).</param>
    /// <param name="extractor">Reads revised answers (use the inner solver's).</param>
    /// <param name="equivalence">Decides which answers are the same (use the inner solver's).</param>
    /// <param name="options">Settings; default <see cref="RefinementOptions"/>'s defaults.</param>
    /// <param name="checker">Critiques the winner and confirms revisions; default a <see cref="SolutionChecker"/> with
    /// <see cref="RefinementOptions.Check"/> (the model writes its critique). Use the verification stage's checker: the
    /// stages of one call share their checks by solution text.</param>
    /// <param name="timeProvider">Clock for wall times and the deadline; default the sampler's (<see cref="SelfConsistencySolver"/>'s).</param>
    public RefinementSolver(
        ISolver innerSolver,
        ITraceGenerator generator,
        PromptSet prompts,
        IAnswerExtractor extractor,
        IAnswerEquivalence equivalence,
        RefinementOptions? options = null,
        ICandidateChecker? checker = null,
        TimeProvider? timeProvider = null)
        : base(innerSolver)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(extractor);
        ArgumentNullException.ThrowIfNull(equivalence);
        _generator = generator;
        _prompts = prompts;
        _extractor = extractor;
        _equivalence = equivalence;
        _options = options ?? new RefinementOptions();
        _checker = checker ?? new SolutionChecker(generator, prompts, _options.Check);
        _reviseSampling = prompts.WithStopStrings(_options.ReviseSampling);
        _gate = new RefinementGate(_options);
        _acceptance = AcceptancePolicy.For(_options);
        _time = timeProvider;
    }

    /// <summary>The settings in use.</summary>
    public RefinementOptions Options => _options;

    SolutionStage ISolverStage.Stage => SolutionStage.Refinement;

    ISolver ISolverStage.Inner => InnerSolver;

    TimeProvider? ISolverStage.Time => _time;

    /// <inheritdoc />
    /// <remarks>Runs the whole chain this stage heads, each stage in pipeline order, under one budget meter.</remarks>
    public override Task<Solution> SolveAsync(string question, Budget budget, CancellationToken cancellationToken = default) =>
        StagePipeline.SolveAsync(this, question, budget, cancellationToken);

    /// <summary>Refines an existing solution (what <see cref="SolveAsync"/> does after the inner solve), for evaluation harnesses.</summary>
    /// <param name="solution">The solution to refine.</param>
    /// <param name="budget">The budget (<see cref="Budget.MaxRefinementRounds"/>, <see cref="Budget.MaxGeneratedTokens"/>, <see cref="Budget.Deadline"/> from now).</param>
    /// <param name="cancellationToken">Cancels the work; the call then throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The refined solution, or <paramref name="solution"/> itself when the budget allows no rounds.</returns>
    public async Task<Solution> RefineAsync(Solution solution, Budget budget, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(solution);
        budget.Validate();
        using var context = StagePipeline.ContextFor(solution, budget, _time);
        return await ((ISolverStage)this).RunAsync(solution, context, cancellationToken).ConfigureAwait(false);
    }

    async Task<Solution> ISolverStage.RunAsync(Solution solution, SolveContext context, CancellationToken cancellationToken)
    {
        if (context.Meter.Budget.MaxRefinementRounds == 0) return solution;
        var (gate, why) = _gate.Decide(solution, context.Meter);
        if (!RefinementGate.Opens(gate)) return solution with { Refinement = RefinementRun.Skipped(solution, gate, why) };

        _revisions ??= RevisionSources.Resolve(_options.Source);
        var run = new RefinementRun(solution, new BallotBox(_extractor, _equivalence));
        for (var number = 1; number <= context.Meter.Budget.MaxRefinementRounds && !run.DeadlineHit; number++)
        {
            var (round, accepted) = await RoundAsync(run, number, context, cancellationToken).ConfigureAwait(false);
            if (round is null) break;
            run.Record(round, accepted);
            if (round.Outcome is not (RoundOutcome.Accepted or RoundOutcome.Rejected or RoundOutcome.NoNewAnswer)) break;
        }

        return run.Finish(gate, why);
    }

    /// <summary>
    /// One round: critique (reused when this call checked the text already), revise, choose a candidate, decide.
    /// Null when the deadline had passed before it began; the accepted revision, if any.
    /// </summary>
    private async Task<(CritiqueRound? Round, Ballot? Accepted)> RoundAsync(RefinementRun run, int number, SolveContext context, CancellationToken cancellationToken)
    {
        var meter = context.Meter;
        if (meter.DeadlinePassed) return (run.Cut(null), null);
        meter.StartRound();
        var question = run.Solution.Question;
        var current = run.Current;
        var round = new CritiqueRound
        {
            Number = number, Answer = current.Answer, Critique = NoCritique(current.Answer), CritiqueReused = false, Revisions = [],
            Outcome = RoundOutcome.BudgetExhausted, Usage = default,
        };

        if (context.Checks.Find(question, current.Trace.Text) is { } known)
        {
            round = round with { Critique = known, CritiqueReused = true };
        }
        else
        {
            if (!meter.Fits(_checker.MaxTokens)) return (round, null);
            var (check, spent) = await CheckAsync(context, question, current.Trace, current.Answer, current.Key, cancellationToken).ConfigureAwait(false);
            round = round with { Critique = check ?? round.Critique, Usage = spent };
            if (check is null) return (run.Cut(round), null);
        }

        var critique = round.Critique;
        if (critique.Verdict != VerdictKind.Wrong)
            return (round with { Outcome = critique.Verdict == VerdictKind.Correct ? RoundOutcome.VerifiedCorrect : RoundOutcome.NoVerdict }, null);
        if (!meter.Fits((long)_options.RevisionsPerRound * _reviseSampling.MaxTokens)) return (round, null);

        var (revisions, reviseUsage) = await ReviseAsync(run, critique, meter, cancellationToken).ConfigureAwait(false);
        round = round with { Revisions = revisions ?? [], Usage = round.Usage + reviseUsage };
        if (revisions is null) return (run.Cut(round), null);

        var (candidate, confirm) = (MostFrequent(revisions, current.Key), (VerificationCheck?)null);
        if (candidate is not null && _options.ChooseRevisionByCheck)
        {
            // Every new answer's best revision is checked; the best-scored one is put up, its check confirms it.
            (candidate, confirm, var checkUsage, var cut) = await BestCheckedAsync(context, question, revisions, current.Key, cancellationToken).ConfigureAwait(false);
            round = round with { Usage = round.Usage + checkUsage };
            if (cut) return (run.Cut(round), null);
        }

        if (candidate is null) return (round with { Outcome = RoundOutcome.NoNewAnswer }, null);
        round = round with { CandidateAnswer = candidate.Answer?.Text };
        if (confirm is null && _acceptance.NeedsCheck)
        {
            confirm = context.Checks.Find(question, candidate.Trace.Text);
            if (confirm is null && meter.Fits(_checker.MaxTokens))
            {
                (confirm, var spent) = await CheckAsync(context, question, candidate.Trace, candidate.Answer?.Text, candidate.Key, cancellationToken).ConfigureAwait(false);
                round = round with { Usage = round.Usage + spent };
                if (confirm is null) return (run.Cut(round), null);
            }
        }

        var (accepted, reasons, leader) = _acceptance.Decide(new AcceptanceEvidence(candidate, critique, confirm, run.Pool, current.Key));
        round = round with
        {
            ConfirmationCheck = confirm, ReVoteLeader = leader, Reasons = reasons, Outcome = accepted ? RoundOutcome.Accepted : RoundOutcome.Rejected,
        };
        return (round, accepted ? candidate : null);
    }

    /// <summary>Samples the round's revisions from the revision source's prompt and adds them to the pool; null when the deadline cut them.</summary>
    private async Task<(List<Ballot>? Revisions, Usage Usage)> ReviseAsync(RefinementRun run, VerificationCheck critique, BudgetMeter meter, CancellationToken cancellationToken)
    {
        var (prompt, kept) = _revisions!.Draft(_prompts, run.Solution.Question, run.Current.Trace.Text, critique);
        var n = _options.RevisionsPerRound;
        var request = new TraceRequest { Prompt = prompt, Count = n, FirstIndex = run.RevisionsDrawn, Sampling = _reviseSampling };
        run.RevisionsDrawn += n;
        var start = meter.Time.GetTimestamp();
        var (drawn, traces, cut) = await meter.TryRunAsync(async token =>
        {
            var list = new List<Trace>(n);
            await foreach (var t in _generator.GenerateAsync(request, token).ConfigureAwait(false)) list.Add(t);
            return list;
        }, cancellationToken).ConfigureAwait(false);
        if (!drawn)
        {
            // Cut at the deadline: what the revisions had generated is still spent and reported.
            meter.Spend(cut);
            return (null, cut with { WallTime = meter.Since(start) });
        }

        var revisions = new List<Ballot>(n);
        var usage = new Usage { PromptTokens = _generator.CountTokens(prompt), PrefillPasses = 1, Samples = traces!.Count };
        foreach (var generated in traces)
        {
            // A revision that continues the checked steps is that prefix plus what the model wrote after it.
            var trace = kept.Length == 0 ? generated : generated with { Text = kept + generated.Text };
            var ballot = run.Pool.Add(trace, trace.FinishReason is not (FinishReason.Cancelled or FinishReason.LowConfidence));
            revisions.Add(ballot);
            usage += new Usage { GeneratedTokens = trace.GeneratedTokens, InjectedTokens = trace.InjectedTokens, DecodeSteps = trace.DecodeSteps };
        }

        revisions.Sort(static (x, y) => x.Trace.Index.CompareTo(y.Trace.Index));
        usage = usage with { WallTime = meter.Since(start) };
        meter.Spend(usage);
        return (revisions, usage);
    }

    /// <summary>One check through the call's context; null when the deadline cut it (what it generated and its time are still reported).</summary>
    private async Task<(VerificationCheck? Check, Usage Usage)> CheckAsync(
        SolveContext context, string question, Trace solution, string? answer, string? key, CancellationToken cancellationToken)
    {
        return await context.CheckAsync(_checker, question, solution.Text, answer, key, solution.Index, 0, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// For <see cref="RefinementOptions.ChooseRevisionByCheck"/>: checks (or finds checked) the best revision (highest
    /// mean log-probability, then lower index) of each new answer while the token cap allows, and returns the one with
    /// the highest p(correct) (ties: the order checked), its check, what the checks cost, and whether the deadline cut them.
    /// </summary>
    private async Task<(Ballot? Candidate, VerificationCheck? Check, Usage Usage, bool Cut)> BestCheckedAsync(
        SolveContext context, string question, List<Ballot> revisions, string currentKey, CancellationToken cancellationToken)
    {
        var best = new Dictionary<string, Ballot>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var r in revisions)
        {
            if (r.Key is not { } k || k == currentKey) continue;
            if (!best.TryGetValue(k, out var b)) { best[k] = r; order.Add(k); continue; }
            if (r.Trace.MeanLogProb > b.Trace.MeanLogProb) best[k] = r;
        }

        Ballot? chosen = null;
        VerificationCheck? chosenCheck = null;
        var usage = default(Usage);
        foreach (var k in order)
        {
            var r = best[k];
            var check = context.Checks.Find(question, r.Trace.Text);
            if (check is null)
            {
                if (!context.Meter.Fits(_checker.MaxTokens)) break;
                (check, var spent) = await CheckAsync(context, question, r.Trace, r.Answer?.Text, r.Key, cancellationToken).ConfigureAwait(false);
                usage += spent;
                if (check is null) return (null, null, usage, true);
            }

            if (chosenCheck is null || (check.CorrectProbability ?? -1) > (chosenCheck.CorrectProbability ?? -1)) (chosen, chosenCheck) = (r, check);
        }

        return (chosen, chosenCheck, usage, false);
    }

    /// <summary>The most frequent new answer among the revisions (ties: best mean log-probability, then lower index), with its best revision.</summary>
    private static Ballot? MostFrequent(List<Ballot> revisions, string currentKey)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var r in revisions)
            if (r.Key is { } k && k != currentKey) counts[k] = counts.GetValueOrDefault(k) + 1;
        Ballot? best = null;
        foreach (var r in revisions)
        {
            if (r.Key is not { } k || k == currentKey) continue;
            if (best is null) { best = r; continue; }
            var c = counts[k].CompareTo(counts[best.Key!]);
            if (c == 0) c = r.Trace.MeanLogProb.CompareTo(best.Trace.MeanLogProb);
            if (c == 0) c = best.Trace.Index.CompareTo(r.Trace.Index);
            if (c > 0) best = r;
        }

        return best;
    }

    /// <summary>The critique of a round that ended before one was written.</summary>
    private static VerificationCheck NoCritique(string? answer) => new()
    {
        AnswerKey = null, Answer = answer, Solution = "", Text = "", Verdict = VerdictKind.None, FinishReason = FinishReason.Cancelled, Usage = default,
    };
}
