using InferenceScaling.Prompts;
using InferenceScaling.Sampling;
using InferenceScaling.Solving;
using InferenceScaling.Voting;

namespace InferenceScaling.Verification;

/// <summary>
/// Verify-and-select: after the inner solver's vote, checks the distinct candidate answers with the model's own
/// critique skill and re-ranks them by the verdicts (<see cref="VerifierWeightedVote"/> or
/// <see cref="VerifierOnlyVote"/>). Thread-safe if its components are: each call keeps its own state.
/// </summary>
/// <remarks>
/// <para><b>What is checked.</b> Answers are grouped first (the inner solution's ballots); each group is checked
/// through its best trace (highest mean log-probability, lowest index on ties) — one check per group in the first
/// pass, in vote-count order (the likely winners first), then, with <see cref="VerificationOptions.ChecksPerCandidate"/>
/// above 1 and checks left, the group's next-best traces in later passes.</para>
/// <para><b>Budget.</b> At most <see cref="Budget.MaxVerifications"/> checks, or when the budget leaves it to the
/// profile (null), the checking profile's <see cref="CheckingProfile.ChecksFor"/>(<see cref="Budget.MaxSamples"/>);
/// with 0 the solution passes through unchanged. With <see cref="Budget.MaxGeneratedTokens"/>, a check runs only if it fits in full (its
/// <see cref="SamplingOptions.MaxTokens"/>) in what the call has left. During the first pass, checking stops as
/// soon as the leader is checked and no unchecked group could overtake it even with a perfect score. When
/// <see cref="Budget.Deadline"/> passes, the check running is cancelled (within one decode step) and the candidates are
/// ranked by the checks done so far (<see cref="Solution.StopReason"/> <see cref="StopReason.Deadline"/>; what the
/// cut check generated is counted). The meter is the call's: tokens spent and the deadline are shared with the
/// other stages.</para>
/// <para><b>Result.</b> The solution's answer, tally, share, confidence and winning trace are the verifier rule's;
/// <see cref="Solution.Verification"/> holds every check and candidate; <see cref="Solution.Usage"/> adds every check.</para>
/// </remarks>
/// <example>
/// <code>
/// var solver = model.AsSolver(b =&gt; b.UseVerification());
/// var s = await solver.SolveAsync(question, Budget.Thorough with { MaxSamples = 16 }, ct);
/// foreach (var c in s.Verification!.Candidates) Console.WriteLine($"{c.Answer}: {c.Votes} votes, score {c.Score}");
/// </code>
/// </example>
internal sealed class VerificationSolver : DelegatingSolver, ISolverStage
{
    private readonly ICandidateChecker _checker;

    private readonly VerificationOptions _options;

    /// <summary>The call's clock when given; else the sampler's.</summary>
    private readonly TimeProvider? _time;

    /// <summary>Says how many checks a budget that leaves it to the profile allows (<see cref="Budget.MaxVerifications"/> null).</summary>
    private readonly CheckingProfile _profile;

    /// <summary>Wraps <paramref name="innerSolver"/> with a checker of your choice (e.g. <c>StepScoreChecker</c>). Does no I/O.</summary>
    /// <param name="innerSolver">The solver whose pool is verified.</param>
    /// <param name="checker">Checks the candidates (<see cref="VerificationOptions.Check"/> is not used).</param>
    /// <param name="options">Settings; default <see cref="VerificationOptions"/>'s defaults.</param>
    /// <param name="timeProvider">Clock for wall times and the deadline; default the sampler's (<see cref="SelfConsistencySolver"/>'s).</param>
    /// <param name="profile">The checker's profile: how many checks a budget without a count allows (<see cref="Budget.MaxVerifications"/> null); default <see cref="CheckingProfile.Default"/>.</param>
    public VerificationSolver(ISolver innerSolver, ICandidateChecker checker, VerificationOptions? options = null, TimeProvider? timeProvider = null, CheckingProfile? profile = null)
        : base(innerSolver)
    {
        ArgumentNullException.ThrowIfNull(checker);
        _options = options ?? new VerificationOptions();
        _checker = checker;
        _time = timeProvider;
        _profile = profile ?? CheckingProfile.Default;
    }

    /// <summary>The checker in use.</summary>
    public ICandidateChecker Checker => _checker;

    /// <summary>The settings in use.</summary>
    public VerificationOptions Options => _options;

    SolutionStage ISolverStage.Stage => SolutionStage.Verification;

    ISolver ISolverStage.Inner => InnerSolver;

    TimeProvider? ISolverStage.Time => _time;

    /// <inheritdoc />
    /// <remarks>Runs the whole chain this stage heads, each stage in pipeline order, under one budget meter.</remarks>
    public override Task<Solution> SolveAsync(string question, Budget budget, CancellationToken cancellationToken = default) =>
        StagePipeline.SolveAsync(this, question, budget, cancellationToken);

    /// <summary>
    /// Verifies an existing solution's pool (what <see cref="SolveAsync"/> does after the inner solve): for
    /// evaluation harnesses that compare selection rules on the same samples.
    /// </summary>
    /// <param name="solution">The solution whose ballots are checked.</param>
    /// <param name="budget">The budget (<see cref="Budget.MaxVerifications"/>, <see cref="Budget.MaxGeneratedTokens"/>).</param>
    /// <param name="cancellationToken">Cancels the checks; the call then throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The re-ranked solution, or <paramref name="solution"/> itself when no check may run or there is no candidate.</returns>
    public async Task<Solution> VerifyAsync(Solution solution, Budget budget, CancellationToken cancellationToken = default)
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
        // An explicit count is honoured exactly; none (null) is the profile's count for the sample budget.
        var allowed = budget.VerificationsUnder(_profile);
        if (allowed == 0) return solution;
        // Start from the inner stage's vote (its rule's ranking and weights), not a re-tally by majority.
        var groups = solution.Tally.Groups;
        if (groups.Count == 0) return solution;
        var baseWeights = BaseWeights(solution.Tally);

        var checks = new List<VerificationCheck>();
        var byKey = new Dictionary<string, List<VerificationCheck>>(StringComparer.Ordinal);
        var scores = new Dictionary<string, double>(StringComparer.Ordinal);
        var usage = default(Usage);
        bool stoppedEarly = false, exhausted = false, deadline = false;
        var ranked = new List<Ballot>[groups.Count];
        for (var i = 0; i < groups.Count; i++) ranked[i] = GroupTraces.Ranked(groups[i]);

        for (var pass = 0; pass < _options.ChecksPerCandidate && !stoppedEarly && !exhausted && !deadline; pass++)
        {
            for (var i = 0; i < groups.Count; i++)
            {
                if (pass >= ranked[i].Count) continue;
                if (pass == 0 && _options.StopWhenDecided && checks.Count > 0 && LeaderIsSafe(solution.Ballots, groups, byKey, scores, baseWeights))
                {
                    stoppedEarly = true;
                    break;
                }

                if (checks.Count >= allowed || !meter.Fits(_checker.MaxTokens))
                {
                    exhausted = true;
                    break;
                }

                var ballot = ranked[i][pass];
                var (check, spent) = await context.CheckAsync(
                    _checker, solution.Question, ballot.Trace.Text, ballot.Answer?.Text, groups[i].Key, ballot.Trace.Index, checks.Count, cancellationToken).ConfigureAwait(false);
                if (check is null)
                {
                    // The deadline passed: select among what was checked so far; the cut check's tokens and time still count.
                    usage += spent;
                    deadline = true;
                    break;
                }

                checks.Add(check);
                usage += check.Usage;
                if (!byKey.TryGetValue(groups[i].Key, out var list)) byKey[groups[i].Key] = list = [];
                list.Add(check);
                if (MeanScore(list) is { } score) scores[groups[i].Key] = score;
            }
        }

        var tally = Rule(scores, baseWeights).Tally(solution.Ballots);
        var candidates = new List<CandidateVerification>(tally.Groups.Count);
        foreach (var g in tally.Groups)
        {
            var list = byKey.TryGetValue(g.Key, out var l) ? l : [];
            candidates.Add(new CandidateVerification
            {
                Key = g.Key,
                Answer = g.Representative,
                Votes = g.Count,
                Checks = list,
                Score = MeanScore(list),
                Weight = g.Weight,
            });
        }

        var winner = tally.Winner!;
        var result = new VerificationResult
        {
            Selection = _options.Selection,
            Candidates = candidates,
            Checks = checks,
            VotedAnswerKey = solution.AnswerKey,
            StoppedEarly = stoppedEarly,
            BudgetExhausted = exhausted || deadline,
            Tally = tally,
            Usage = deadline ? usage with { StopReason = StopReason.Deadline } : usage,
        };
        return solution.ChosenBy(SolutionStage.Verification, tally, winner.Representative, winner.Key, GroupTraces.Ranked(winner)[0].Trace) with
        {
            StopReason = deadline ? StopReason.Deadline : solution.StopReason,
            Usage = solution.Usage + result.Usage,
            Verification = result,
        };
    }

    /// <summary>The selection rule over the scores so far, re-weighing the inner vote.</summary>
    private IVotingRule Rule(IReadOnlyDictionary<string, double> scores, Func<Ballot, double?> baseWeights) => _options.Selection == VerificationSelection.VerifierOnly
        ? new VerifierOnlyVote(scores, _options.UncheckedScore)
        : new VerifierWeightedVote(scores, _options.UncheckedScore, baseWeights);

    /// <summary>
    /// Each counted ballot's weight under the inner tally: its group's weight shared evenly by the group's ballots
    /// (under majority exactly 1), null for a ballot the inner rule left out. Group totals are kept, so the verified
    /// weight of a group is its inner weight × its score.
    /// </summary>
    private static Func<Ballot, double?> BaseWeights(VoteTally inner)
    {
        var weights = new Dictionary<Ballot, double>(ReferenceEqualityComparer.Instance);
        foreach (var g in inner.Groups)
            foreach (var b in g.Ballots) weights[b] = g.Weight / g.Count;
        return b => weights.TryGetValue(b, out var w) ? w : null;
    }

    /// <summary>
    /// Whether the leader is checked and no unchecked group could overtake it with a perfect score. Testing one
    /// unchecked group at a time suffices: both rules rank pairwise by each group's own ballots and score, and a
    /// check of one group never changes another's.
    /// </summary>
    private bool LeaderIsSafe(IReadOnlyList<Ballot> ballots, IReadOnlyList<AnswerGroup> groups, Dictionary<string, List<VerificationCheck>> byKey, Dictionary<string, double> scores, Func<Ballot, double?> baseWeights)
    {
        var leader = Rule(scores, baseWeights).Tally(ballots).Winner;
        if (leader is null || !byKey.ContainsKey(leader.Key)) return false;
        foreach (var g in groups)
        {
            if (byKey.ContainsKey(g.Key)) continue;
            var optimistic = new Dictionary<string, double>(scores, StringComparer.Ordinal) { [g.Key] = 1.0 };
            if (Rule(optimistic, baseWeights).Tally(ballots).Winner?.Key != leader.Key) return false;
        }

        return true;
    }

    /// <summary>Mean p(correct) over checks with a verdict, or null.</summary>
    private static double? MeanScore(List<VerificationCheck> checks)
    {
        double sum = 0;
        var n = 0;
        foreach (var c in checks)
        {
            if (c.CorrectProbability is not { } p) continue;
            sum += p;
            n++;
        }

        return n == 0 ? null : sum / n;
    }
}
