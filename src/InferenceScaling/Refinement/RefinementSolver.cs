using System.Globalization;
using InferenceScaling.Answers;
using InferenceScaling.Prompts;
using InferenceScaling.Sampling;
using InferenceScaling.Solving;
using InferenceScaling.Verification;
using InferenceScaling.Voting;

namespace InferenceScaling.Refinement;

/// <summary>
/// Gated self-refinement: after the inner solve (self-consistency, optionally verified), critiques the winning answer
/// and revises it — but only when the vote was not decisive, for at most <see cref="Budget.MaxRefinementRounds"/>
/// rounds, and keeping a revised answer only when it is confirmed. Thread-safe if its components are.
/// </summary>
/// <remarks>
/// <para><b>Gate.</b> Refinement runs when the budget allows rounds, there is an answer, and the vote is not decisive:
/// <see cref="Solution.VoteShare"/> &lt; <see cref="RefinementOptions.DecisiveShare"/> or
/// <see cref="Solution.Confidence"/> &lt; <see cref="RefinementOptions.DecisiveConfidence"/>. With 0 rounds the
/// solution passes through unchanged (no <see cref="Solution.Refinement"/>).</para>
/// <para><b>A round.</b> Critique the current answer's solution (reusing a verification check of the same solution
/// text, or the previous round's critique, instead of generating it again). "Correct" → stop. No verdict → stop
/// (nothing to revise against; malformed critiques never trigger a change). "Wrong" → sample
/// <see cref="RefinementOptions.RevisionsPerRound"/> revisions from the revise prompt (question, solution, critique),
/// read their answers, and put up the most frequent new answer (ties: higher mean log-probability). It is accepted
/// only when <see cref="RefinementOptions.Confirmation"/> holds; see <see cref="RevisionConfirmation"/>. An accepted
/// revision becomes the current answer (its confirming critique is reused next round, so a confirmed revision ends
/// refinement); a rejected one leaves the answer, and the next round samples new revisions.</para>
/// <para><b>Budget.</b> Every generated token is added to <see cref="Solution.Usage"/> and to each round's usage. With
/// <see cref="Budget.MaxGeneratedTokens"/>, a generation runs only if it fits in full in what is left.</para>
/// </remarks>
/// <example>
/// <code>
/// var solver = selfConsistency.AsBuilder()
///     .UseRefinement(generator, prompts, extractor, equivalence)
///     .UseVerification(generator, prompts)   // added after: runs first, refinement reuses its checks
///     .Build();
/// </code>
/// </example>
public sealed class RefinementSolver : DelegatingSolver, ISolverStage
{
    /// <summary>Generates revisions.</summary>
    private readonly ITraceGenerator _generator;

    /// <summary>Revise template.</summary>
    private readonly PromptSet _prompts;

    /// <summary>Reads revised answers.</summary>
    private readonly IAnswerExtractor _extractor;

    /// <summary>Groups revised answers with the pool's.</summary>
    private readonly IAnswerEquivalence _equivalence;

    /// <summary>Runs critiques.</summary>
    private readonly ICandidateChecker _checker;

    /// <summary>Revision sampling, stop strings merged.</summary>
    private readonly SamplingOptions _reviseSampling;

    /// <summary>Settings.</summary>
    private readonly RefinementOptions _options;

    /// <summary>The call's clock when given; else the sampler's.</summary>
    private readonly TimeProvider? _time;

    /// <summary>Wraps <paramref name="innerSolver"/>. Does no I/O.</summary>
    /// <param name="innerSolver">The solver whose answer is refined.</param>
    /// <param name="generator">Generates critiques and revisions (the model that solved).</param>
    /// <param name="prompts">The prompt set (critique and revise templates, verdicts, stop strings).</param>
    /// <param name="extractor">Reads revised answers (use the inner solver's).</param>
    /// <param name="equivalence">Decides which answers are the same (use the inner solver's).</param>
    /// <param name="options">Settings; default <see cref="RefinementOptions"/>'s defaults.</param>
    /// <param name="checker">Critiques the winner and confirms revisions; default a <see cref="SolutionChecker"/> with
    /// <see cref="RefinementOptions.Check"/> (the model writes its critique). Use the verification stage's checker so a
    /// check of the winner can be reused.</param>
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
    /// <param name="budget">The budget (<see cref="Budget.MaxRefinementRounds"/>, <see cref="Budget.MaxGeneratedTokens"/>).</param>
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
        var meter = context.Meter;
        var budget = meter.Budget;
        if (budget.MaxRefinementRounds == 0) return solution;
        var inv = CultureInfo.InvariantCulture;
        if (solution.WinningTrace is null || solution.AnswerKey is null)
            return solution with { Refinement = Skipped(solution, "no answer to refine") };
        if (meter.DeadlinePassed)
            return solution with { Refinement = Skipped(solution, "the deadline has passed") };
        if (solution.VoteShare >= _options.DecisiveShare && solution.Confidence >= _options.DecisiveConfidence)
        {
            return solution with
            {
                Refinement = Skipped(solution, string.Create(inv,
                    $"decisive vote: share {solution.VoteShare:P0} ≥ {_options.DecisiveShare:P0} and confidence {solution.Confidence:F3} ≥ {_options.DecisiveConfidence:F3}")),
            };
        }

        var gate = solution.VoteShare < _options.DecisiveShare
            ? string.Create(inv, $"vote share {solution.VoteShare:P0} < {_options.DecisiveShare:P0}")
            : string.Create(inv, $"confidence {solution.Confidence:F3} < {_options.DecisiveConfidence:F3}");

        // The re-vote pool: the original traces (voting as they did) plus every revision, grouped as the vote grouped.
        var box = new BallotBox(_extractor, _equivalence);
        foreach (var b in solution.Ballots) box.Add(b.Trace, b.CastsVote);
        var originalKey = box.GroupKey(solution.Answer ?? solution.AnswerKey);
        var current = (Trace: solution.WinningTrace, Answer: solution.Answer, Key: originalKey);
        var known = ReusableCheck(solution);
        var rounds = new List<CritiqueRound>();
        var total = default(Usage);
        var revisionsDrawn = 0;

        var deadline = false;
        var replaced = new HashSet<string>(StringComparer.Ordinal);
        for (var number = 1; number <= budget.MaxRefinementRounds; number++)
        {
            var usage = default(Usage);
            if (meter.DeadlinePassed)
            {
                deadline = true;
                break;
            }

            meter.StartRound();
            var reused = known is not null;
            VerificationCheck critique;
            if (known is not null)
            {
                critique = known;
            }
            else
            {
                if (!meter.Fits(_checker.MaxTokens))
                {
                    rounds.Add(Stop(number, current.Answer, null, RoundOutcome.BudgetExhausted, "the token cap leaves no room for a critique", usage));
                    break;
                }

                var checkStart = meter.Time.GetTimestamp();
                if (await context.CheckAsync(_checker, solution.Question, current.Trace.Text, current.Answer, current.Key, current.Trace.Index, 0, cancellationToken).ConfigureAwait(false) is not { } check)
                {
                    usage += new Usage { WallTime = meter.Since(checkStart) };
                    rounds.Add(Stop(number, current.Answer, null, RoundOutcome.Deadline, "the deadline passed during the critique", usage));
                    total += usage;
                    deadline = true;
                    break;
                }

                critique = check;
                usage += critique.Usage;
            }

            if (critique.Verdict != VerdictKind.Wrong)
            {
                var (outcome, why) = critique.Verdict == VerdictKind.Correct
                    ? (RoundOutcome.VerifiedCorrect, "the critique says the answer is correct")
                    : (RoundOutcome.NoVerdict, "the critique wrote no verdict, so there is nothing to revise against");
                rounds.Add(Stop(number, current.Answer, critique, outcome, why, usage) with { CritiqueReused = reused });
                total += usage;
                break;
            }

            var n = _options.RevisionsPerRound;
            if (!meter.Fits((long)n * _reviseSampling.MaxTokens))
            {
                rounds.Add(Stop(number, current.Answer, critique, RoundOutcome.BudgetExhausted, "the token cap leaves no room for revisions", usage) with { CritiqueReused = reused });
                total += usage;
                break;
            }

            // Continuing from the checked steps keeps what the critique passed; the revision's text is that prefix
            // plus what the model writes after it.
            var kept = _options.Source == RevisionSource.ContinueFromCheckedSteps ? CheckedPrefix(current.Trace.Text, critique.WrongStep) : null;
            var prompt = kept is null
                ? _prompts.Revise(solution.Question, current.Trace.Text.Trim(), critique.Text.Trim())
                : _prompts.Solve(solution.Question) + kept;
            var start = meter.Time.GetTimestamp();
            var request = new TraceRequest { Prompt = prompt, Count = n, FirstIndex = revisionsDrawn, Sampling = _reviseSampling };
            revisionsDrawn += n;
            var (drawn, traces) = await meter.TryRunAsync(async token =>
            {
                var list = new List<Trace>(n);
                await foreach (var t in _generator.GenerateAsync(request, token).ConfigureAwait(false)) list.Add(t);
                return list;
            }, cancellationToken).ConfigureAwait(false);
            if (!drawn)
            {
                usage += new Usage { WallTime = meter.Since(start) };
                rounds.Add(Stop(number, current.Answer, critique, RoundOutcome.Deadline, "the deadline passed during the revisions", usage) with { CritiqueReused = reused });
                total += usage;
                deadline = true;
                break;
            }

            var revisions = new List<Revision>(n);
            long generated = 0, injected = 0, steps = 0;
            foreach (var generatedTrace in traces!)
            {
                var trace = kept is null ? generatedTrace : generatedTrace with { Text = kept + generatedTrace.Text };
                var finished = trace.FinishReason is not (FinishReason.Cancelled or FinishReason.LowConfidence);
                var ballot = box.Add(trace, finished);
                revisions.Add(new Revision(trace, ballot.Key is null ? null : ballot.Answer?.Text, ballot.Key));
                generated += trace.GeneratedTokens;
                injected += trace.InjectedTokens;
                steps += trace.DecodeSteps;
            }

            revisions.Sort(static (x, y) => x.Trace.Index.CompareTo(y.Trace.Index));
            var revisionUsage = new Usage
            {
                PromptTokens = _generator.CountTokens(prompt),
                GeneratedTokens = generated,
                InjectedTokens = injected,
                DecodeSteps = steps,
                PrefillPasses = 1,
                Samples = revisions.Count,
                WallTime = meter.Since(start),
            };
            meter.Spend(revisionUsage);
            usage += revisionUsage;

            var candidate = Candidate(revisions, current.Key);
            VerificationCheck? confirm = null;
            if (candidate is not null && _options.ChooseRevisionByCheck)
            {
                // Every new answer's best revision is checked; the best-scored one is put up, its check confirms it.
                (candidate, confirm, var checkUsage, var cut) = await BestChecked(context, solution, revisions, current.Key, cancellationToken).ConfigureAwait(false);
                usage += checkUsage;
                if (cut)
                {
                    rounds.Add(Stop(number, current.Answer, critique, RoundOutcome.Deadline, "the deadline passed while checking the revisions", usage) with { CritiqueReused = reused, Revisions = revisions });
                    total += usage;
                    deadline = true;
                    break;
                }
            }

            if (candidate is null)
            {
                rounds.Add(new CritiqueRound
                {
                    Number = number, Answer = current.Answer, Critique = critique, CritiqueReused = reused, Revisions = revisions,
                    Outcome = RoundOutcome.NoNewAnswer, Reason = "no revision offered a different answer", Usage = usage,
                });
                total += usage;
                known = critique;
                continue;
            }

            string? leader = null;
            var reasons = new List<string>();
            var ok = true;
            if ((_options.Confirmation & (RevisionConfirmation.Critique | RevisionConfirmation.Improves)) != 0)
            {
                if (confirm is null && !meter.Fits(_checker.MaxTokens))
                {
                    ok = false;
                    reasons.Add("no room in the token cap to critique the revision");
                }
                else
                {
                    if (confirm is null)
                    {
                        var checkStart = meter.Time.GetTimestamp();
                        confirm = await context.CheckAsync(_checker, solution.Question, candidate.Trace.Text, candidate.Answer, candidate.AnswerKey, candidate.Trace.Index, 0, cancellationToken).ConfigureAwait(false);
                        if (confirm is null)
                        {
                            usage += new Usage { WallTime = meter.Since(checkStart) };
                            rounds.Add(Stop(number, current.Answer, critique, RoundOutcome.Deadline, "the deadline passed while checking the revision", usage) with
                            {
                                CritiqueReused = reused, Revisions = revisions, CandidateAnswer = candidate.Answer,
                            });
                            total += usage;
                            deadline = true;
                            break;
                        }

                        usage += confirm.Usage;
                    }

                    var p = confirm.CorrectProbability;
                    if (_options.Confirmation.HasFlag(RevisionConfirmation.Critique))
                    {
                        var confirmed = confirm.Verdict == VerdictKind.Correct && (p ?? 1) >= _options.MinConfirmProbability;
                        ok &= confirmed;
                        reasons.Add(confirmed
                            ? string.Create(inv, $"its critique says correct (p {p ?? 1:F2})")
                            : confirm.Verdict == VerdictKind.Correct
                                ? string.Create(inv, $"its critique says correct but only with p {p:F2} < {_options.MinConfirmProbability:F2}")
                                : confirm.Verdict == VerdictKind.Wrong ? "its critique says wrong" : "its critique wrote no verdict");
                    }

                    if (_options.Confirmation.HasFlag(RevisionConfirmation.Improves))
                    {
                        var before = critique.CorrectProbability;
                        var better = p is { } after && after > (before ?? 0);
                        ok &= better;
                        reasons.Add(better
                            ? string.Create(inv, $"its check scores it higher than the answer it replaces (p {p:G3} > {before ?? 0:G3})")
                            : string.Create(inv, $"its check does not score it higher than the answer it replaces (p {p?.ToString("G3", inv) ?? "none"} ≤ {before ?? 0:G3})"));
                    }
                }
            }

            if (_options.Confirmation.HasFlag(RevisionConfirmation.ReVote))
            {
                var rejectedKey = current.Key;
                var tally = VoteTally.FromWeights(box.Ballots, b => b.Key == rejectedKey ? null : 1.0);
                leader = tally.Winner?.Representative;
                var leads = tally.Winner?.Key == candidate.AnswerKey;
                ok &= leads;
                reasons.Add(leads
                    ? string.Create(inv, $"it leads the re-vote without the rejected answer ({tally.Winner!.Count} votes)")
                    : $"the re-vote without the rejected answer prefers {leader}");
            }

            var accepted = ok;
            rounds.Add(new CritiqueRound
            {
                Number = number, Answer = current.Answer, Critique = critique, CritiqueReused = reused, Revisions = revisions,
                CandidateAnswer = candidate.Answer, ConfirmationCheck = confirm, ReVoteLeader = leader,
                Outcome = accepted ? RoundOutcome.Accepted : RoundOutcome.Rejected,
                Reason = (accepted ? "accepted: " : "rejected: ") + string.Join("; ", reasons),
                Usage = usage,
            });
            total += usage;
            if (accepted)
            {
                replaced.Add(current.Key);
                current = (candidate.Trace, candidate.Answer, candidate.AnswerKey!);
                known = confirm;
            }
            else
            {
                known = critique;
            }
        }

        if (deadline) total = total with { StopReason = StopReason.Deadline };
        var result = new RefinementResult
        {
            GateOpened = true,
            GateReason = gate,
            Rounds = rounds,
            OriginalAnswer = solution.Answer,
            OriginalAnswerKey = solution.AnswerKey,
            FinalAnswer = current.Answer,
            FinalAnswerKey = current.Key == originalKey ? solution.AnswerKey : current.Key,
            Usage = total,
        };
        if (!result.Changed)
        {
            return solution with
            {
                StopReason = deadline ? StopReason.Deadline : solution.StopReason,
                Usage = solution.Usage + total,
                Refinement = result,
            };
        }

        var pool = PoolTally(box, replaced, current.Key);
        result = result with { Tally = pool };
        return solution with
        {
            Answer = current.Answer,
            AnswerKey = result.FinalAnswerKey,
            WinningTrace = current.Trace,
            VoteShare = pool.Share,
            Confidence = pool.Confidence,
            Tally = pool,
            Tallies = new Dictionary<SolutionStage, VoteTally>(solution.Tallies) { [SolutionStage.Refinement] = pool },
            Stage = SolutionStage.Refinement,
            StopReason = deadline ? StopReason.Deadline : solution.StopReason,
            Usage = solution.Usage + total,
            Refinement = result,
        };
    }

    /// <summary>The pool tally with the replaced answers set aside and the accepted one ranked first (see <see cref="RefinementResult.Tally"/>).</summary>
    private static VoteTally PoolTally(BallotBox box, HashSet<string> replaced, string accepted)
    {
        var order = Comparer<AnswerGroup>.Create((x, y) =>
            x.Key == accepted ? (y.Key == accepted ? 0 : -1) : y.Key == accepted ? 1 : VoteTally.DefaultOrder.Compare(x, y));
        return VoteTally.FromWeights(box.Ballots, b => replaced.Contains(b.Key!) ? null : 1.0, order);
    }

    /// <summary>
    /// For <see cref="RefinementOptions.ChooseRevisionByCheck"/>: checks the best revision (highest mean log-probability,
    /// then lower index) of each new answer, while the token cap allows, and returns the one with the highest p(correct)
    /// (ties: the order checked), its check, and what the checks cost. No new answer: (null, null, cost 0).
    /// </summary>
    private async Task<(Revision? Candidate, VerificationCheck? Check, Usage Usage, bool Deadline)> BestChecked(
        SolveContext context, Solution solution, List<Revision> revisions, string currentKey, CancellationToken cancellationToken)
    {
        var best = new Dictionary<string, Revision>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var r in revisions)
        {
            if (r.AnswerKey is not { } k || k == currentKey) continue;
            if (!best.TryGetValue(k, out var b)) { best[k] = r; order.Add(k); continue; }
            if (r.Trace.MeanLogProb > b.Trace.MeanLogProb) best[k] = r;
        }

        Revision? chosen = null;
        VerificationCheck? chosenCheck = null;
        var usage = default(Usage);
        foreach (var k in order)
        {
            if (!context.Meter.Fits(_checker.MaxTokens)) break;
            var r = best[k];
            var checkStart = context.Meter.Time.GetTimestamp();
            var check = await context.CheckAsync(_checker, solution.Question, r.Trace.Text, r.Answer, r.AnswerKey, r.Trace.Index, 0, cancellationToken).ConfigureAwait(false);
            if (check is null) return (null, null, usage + new Usage { WallTime = context.Meter.Since(checkStart) }, true);
            usage += check.Usage;
            if (chosenCheck is null || (check.CorrectProbability ?? -1) > (chosenCheck.CorrectProbability ?? -1))
            {
                chosen = r;
                chosenCheck = check;
            }
        }

        return (chosen, chosenCheck, usage, false);
    }

    /// <summary>
    /// The solution text before step <paramref name="wrongStep"/> (1-based; the steps by the prompt set's pattern), or
    /// null when there is no pattern, no wrong step, or the text has fewer steps.
    /// </summary>
    private string? CheckedPrefix(string solution, int? wrongStep)
    {
        if (_prompts.StepPattern is not { } pattern || wrongStep is not { } k || k < 1) return null;
        var m = pattern.Match(solution);
        for (var i = 1; i < k && m.Success; i++) m = m.NextMatch();
        // Cut before the space ahead of the step: the model writes that space itself, as in its training text.
        return m.Success ? solution[..m.Index].TrimEnd() : null;
    }

    /// <summary>A verification check of exactly the winning solution text, with a verdict, if the inner stage ran one.</summary>
    private static VerificationCheck? ReusableCheck(Solution solution)
    {
        if (solution.Verification is not { } v || solution.WinningTrace is not { } w) return null;
        var text = w.Text.Trim();
        foreach (var c in v.Checks)
            if (c.Verdict != VerdictKind.None && c.AnswerKey == solution.AnswerKey && c.Solution == text) return c;
        return null;
    }

    /// <summary>The most frequent new answer among the revisions (ties: best mean log-probability, then lower index), with its best revision.</summary>
    private static Revision? Candidate(List<Revision> revisions, string currentKey)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var r in revisions)
            if (r.AnswerKey is { } k && k != currentKey) counts[k] = counts.GetValueOrDefault(k) + 1;
        Revision? best = null;
        foreach (var r in revisions)
        {
            if (r.AnswerKey is not { } k || k == currentKey) continue;
            if (best is null) { best = r; continue; }
            var c = counts[k].CompareTo(counts[best.AnswerKey!]);
            if (c == 0) c = r.Trace.MeanLogProb.CompareTo(best.Trace.MeanLogProb);
            if (c == 0) c = best.Trace.Index.CompareTo(r.Trace.Index);
            if (c > 0) best = r;
        }

        return best;
    }

    /// <summary>A round that ended before any revision was sampled.</summary>
    private static CritiqueRound Stop(int number, string? answer, VerificationCheck? critique, RoundOutcome outcome, string reason, Usage usage) => new()
    {
        Number = number,
        Answer = answer,
        Critique = critique ?? new VerificationCheck
        {
            AnswerKey = null, Answer = answer, Solution = "", Text = "", Verdict = VerdictKind.None,
            FinishReason = FinishReason.Cancelled, Usage = default,
        },
        CritiqueReused = false,
        Revisions = [],
        Outcome = outcome,
        Reason = reason,
        Usage = usage,
    };

    /// <summary>The record of a refinement the gate kept shut.</summary>
    private static RefinementResult Skipped(Solution solution, string reason) => new()
    {
        GateOpened = false,
        GateReason = reason,
        Rounds = [],
        OriginalAnswer = solution.Answer,
        OriginalAnswerKey = solution.AnswerKey,
        FinalAnswer = solution.Answer,
        FinalAnswerKey = solution.AnswerKey,
        Usage = default,
    };
}
