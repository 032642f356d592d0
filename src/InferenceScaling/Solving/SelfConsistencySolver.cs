using InferenceScaling.Answers;
using InferenceScaling.Sampling;
using InferenceScaling.Voting;

namespace InferenceScaling.Solving;

/// <summary>
/// Self-consistency with adaptive stopping: samples traces of the question in waves, reads and groups their answers,
/// votes, and stops as soon as the budget says so — the vote is decided (Beta posterior ≥
/// <see cref="Budget.TargetConfidence"/>, or an <see cref="SelfConsistencyOptions.UnanimousWindow"/> of unanimous votes),
/// or samples, tokens or time run out. Traces still running when it stops are cancelled through
/// <see cref="TraceControl"/> and reported as cancelled. Thread-safe if its components are: each call keeps its own state.
/// </summary>
/// <example>
/// <code>
/// var solver = new SelfConsistencySolver(generator, extractor, equivalence);
/// var solution = await solver.SolveAsync("What is 17 + 25?", Budget.Balanced, ct);
/// Console.WriteLine($"{solution.Answer} ({solution.VoteShare:P0}, stopped: {solution.StopReason})");
/// </code>
/// </example>
internal sealed class SelfConsistencySolver : ISolver
{
    private readonly ITraceGenerator _generator;

    private readonly IAnswerExtractor _extractor;

    private readonly IAnswerEquivalence _equivalence;

    private readonly IVotingRule _rule;

    private readonly SelfConsistencyOptions _options;

    /// <summary>Clock for wall time and the deadline (injectable for tests).</summary>
    private readonly TimeProvider _time;

    /// <summary>Creates the solver. Does no I/O.</summary>
    /// <param name="generator">Draws traces (the ONNX runtime, or a fake).</param>
    /// <param name="extractor">Reads final answers.</param>
    /// <param name="equivalence">Decides which answers are the same.</param>
    /// <param name="votingRule">How answers are ranked; default <see cref="MajorityVote"/>.</param>
    /// <param name="options">Prompt, sampling and stopping settings; default <see cref="SelfConsistencyOptions"/>'s defaults.</param>
    /// <param name="timeProvider">Clock for wall time and deadlines; default <see cref="TimeProvider.System"/>.</param>
    public SelfConsistencySolver(
        ITraceGenerator generator,
        IAnswerExtractor extractor,
        IAnswerEquivalence equivalence,
        IVotingRule? votingRule = null,
        SelfConsistencyOptions? options = null,
        TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(extractor);
        ArgumentNullException.ThrowIfNull(equivalence);
        _generator = generator;
        _extractor = extractor;
        _equivalence = equivalence;
        _rule = votingRule ?? MajorityVote.Instance;
        _options = options ?? new SelfConsistencyOptions();
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The voting rule in use.</summary>
    public IVotingRule VotingRule => _rule;

    /// <summary>The settings in use.</summary>
    public SelfConsistencyOptions Options => _options;

    /// <inheritdoc />
    /// <remarks>
    /// <para>Waves: each request asks for <see cref="Budget.EffectiveWaveSize"/> traces (fewer when samples or tokens
    /// run short) with <see cref="TraceRequest.FirstIndex"/> = traces drawn so far, so every wave draws new samples.</para>
    /// <para>The stopping test runs after every arriving trace when early stopping is on. When it fires, the rest of
    /// the wave is cancelled (<see cref="TraceControl.CancelAll"/>) and drained, so cancelled traces and the tokens
    /// they spent are reported. A trace that still finishes after the decision does not vote: whether it finishes before
    /// the cancellation reaches the decode loop depends on timing, and the vote must depend only on the seed (traces
    /// arrive in decode order, so the decision point itself is reproducible). Its tokens are still counted. (Cancelled
    /// traces vote only with <see cref="SelfConsistencyOptions.CancelledTracesVote"/>, which gives up that
    /// reproducibility.)</para>
    /// <para>Who votes: a trace with an answer that finished by end-of-sequence, stop string or token limit. Cancelled
    /// traces vote only with <see cref="SelfConsistencyOptions.CancelledTracesVote"/>; low-confidence traces never.</para>
    /// </remarks>
    public async Task<Solution> SolveAsync(string question, Budget budget, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(question);
        using var meter = new BudgetMeter(budget, _time);
        return await SampleAsync(question, meter, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The clock this solver was given (a pipeline's meter runs on it unless a stage names another).</summary>
    internal TimeProvider Time => _time;

    /// <summary>Samples and votes, spending from <paramref name="meter"/> (a pipeline's: its deadline is the call's).</summary>
    internal async Task<Solution> SampleAsync(string question, BudgetMeter meter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(question);
        cancellationToken.ThrowIfCancellationRequested();
        var budget = meter.Budget;
        var start = meter.Time.GetTimestamp();
        var prompt = _options.PromptTemplate(question);
        var promptTokens = _generator.CountTokens(prompt);
        var run = new Run(this, meter);
        var control = run.Control;

        // The meter's deadline cancels the running traces through the control: they come back as cancelled, with
        // what they spent, and the best answer so far is returned.
        using var deadline = meter.Deadline.Register(static state => ((Run)state!).DeadlinePassed(), run);

        var perTraceMax = _options.Sampling.MaxTokens;
        var waves = 0;
        while (run.Stop is null)
        {
            if (run.CheckDeadline()) break;
            var left = budget.MaxSamples - run.Drawn;
            if (left <= 0)
            {
                run.Stop = budget.IsAdaptive ? StopReason.MaxSamples : StopReason.Completed;
                break;
            }

            var count = Math.Min(budget.EffectiveWaveSize, left);
            var maxTokens = perTraceMax;
            if (budget.MaxGeneratedTokens is { } cap)
            {
                var remaining = cap - run.GeneratedTokens;
                var affordable = remaining / perTraceMax;
                if (affordable >= 1)
                {
                    count = (int)Math.Min(count, affordable);
                }
                else if (run.Drawn == 0 && remaining > 0)
                {
                    // Not even one full-length trace fits: still try one, capped, rather than answer nothing.
                    count = 1;
                    maxTokens = (int)remaining;
                }
                else
                {
                    run.Stop = StopReason.MaxTokens;
                    break;
                }
            }

            var request = new TraceRequest
            {
                Prompt = prompt,
                Count = count,
                FirstIndex = run.Drawn,
                Sampling = maxTokens == perTraceMax ? _options.Sampling : _options.Sampling with { MaxTokens = maxTokens },
                Control = control,
            };
            run.Drawn += count;
            waves++;
            var firstWaveStart = run.Traces.Count;
            await foreach (var trace in _generator.GenerateAsync(request, cancellationToken).ConfigureAwait(false))
                run.Accept(trace);

            if (waves == 1 && run.Stop is null && _options.OnlineKeepFraction is { } keep)
                control.MinWindowConfidence = OnlineThreshold(run.Traces, firstWaveStart, keep, _options.ConfidenceWindow);
        }

        var tally = _rule.Tally(run.Box.Ballots);
        var winner = tally.Winner;
        var usage = new Usage
        {
            PromptTokens = (long)promptTokens * waves,
            GeneratedTokens = run.GeneratedTokens,
            InjectedTokens = run.InjectedTokens,
            DecodeSteps = run.DecodeSteps,
            PrefillPasses = waves,
            Samples = run.Traces.Count,
            WallTime = meter.Since(start),
            StopReason = run.Stop ?? StopReason.Completed,
        };
        meter.Spend(usage);
        return new Solution
        {
            Question = question,
            Prompt = prompt,
            Answer = winner?.Representative,
            AnswerKey = winner?.Key,
            VoteShare = tally.Share,
            Confidence = tally.Confidence,
            Tally = tally,
            Tallies = new Dictionary<SolutionStage, VoteTally> { [SolutionStage.Vote] = tally },
            WinningTrace = winner is null ? null : BestTrace(winner),
            Traces = run.Traces,
            Ballots = run.Box.Ballots,
            TracesCancelled = run.Cancelled,
            TracesLowConfidence = run.LowConfidence,
            TracesUnanswered = run.Unanswered,
            StopReason = usage.StopReason,
            Usage = usage,
        };
    }

    /// <summary>The (1 − keep) quantile (nearest rank, from below) of the lowest-window confidence of a wave's finished traces.</summary>
    private static double? OnlineThreshold(List<Trace> traces, int from, double keep, int window)
    {
        var scores = new List<double>();
        for (var i = from; i < traces.Count; i++)
            if (traces[i].FinishReason is not (FinishReason.Cancelled or FinishReason.LowConfidence) && traces[i].TokenConfidences.Count > 0)
                scores.Add(TraceConfidence.LowestWindowMean(traces[i], window));
        if (scores.Count == 0) return null;
        scores.Sort();
        var rank = (int)Math.Ceiling((1 - keep) * scores.Count - 1e-9) - 1;
        return scores[Math.Clamp(rank, 0, scores.Count - 1)];
    }

    /// <summary>The group's trace with the highest mean log-probability; the lower index on ties.</summary>
    private static Trace BestTrace(AnswerGroup group)
    {
        var best = group.Ballots[0].Trace;
        foreach (var b in group.Ballots)
        {
            var t = b.Trace;
            if (t.MeanLogProb > best.MeanLogProb || (t.MeanLogProb == best.MeanLogProb && t.Index < best.Index)) best = t;
        }

        return best;
    }

    /// <summary>The state of one <see cref="SolveAsync"/> call.</summary>
    private sealed class Run(SelfConsistencySolver solver, BudgetMeter meter)
    {
        /// <summary>Consecutive finished traces (arrival order) voting for the same key, for the ESC test.</summary>
        private int _streak;

        private string? _streakKey;

        public TraceControl Control { get; } = new() { ConfidenceWindow = solver._options.ConfidenceWindow };

        public BallotBox Box { get; } = new(solver._extractor, solver._equivalence);

        public List<Trace> Traces { get; } = [];

        public StopReason? Stop { get; set; }

        public int Drawn { get; set; }

        public long GeneratedTokens { get; private set; }

        public long InjectedTokens { get; private set; }

        public long DecodeSteps { get; private set; }

        public int Cancelled { get; private set; }

        public int LowConfidence { get; private set; }

        public int Unanswered { get; private set; }

        /// <summary>Deadline callback: may run on any thread, so it only cancels through the thread-safe control.</summary>
        public void DeadlinePassed() => Control.CancelAll();

        /// <summary>Records a deadline stop if the deadline has passed (by the timer or the clock).</summary>
        public bool CheckDeadline()
        {
            if (Stop is not null || !meter.DeadlinePassed) return false;
            Stop = StopReason.Deadline;
            Control.CancelAll();
            return true;
        }

        public void Accept(Trace trace)
        {
            // After a decision by the vote, a trace that still finished won a race with the cancellation: record it, do not count it.
            var afterDecision = Stop is StopReason.Decided or StopReason.Unanimous;
            Traces.Add(trace);
            GeneratedTokens += trace.GeneratedTokens;
            InjectedTokens += trace.InjectedTokens;
            DecodeSteps += trace.DecodeSteps;
            var finished = trace.FinishReason is not (FinishReason.Cancelled or FinishReason.LowConfidence);
            if (trace.FinishReason == FinishReason.Cancelled) Cancelled++;
            if (trace.FinishReason == FinishReason.LowConfidence) LowConfidence++;
            var mayVote = (finished && !afterDecision) || (trace.FinishReason == FinishReason.Cancelled && solver._options.CancelledTracesVote);
            var ballot = Box.Add(trace, mayVote);
            if (finished && ballot.Answer is null) Unanswered++;

            if (finished)
            {
                if (ballot.Key is not null && ballot.Key == _streakKey) _streak++;
                else (_streakKey, _streak) = (ballot.Key, ballot.Key is null ? 0 : 1);
            }

            if (Stop is not null || CheckDeadline() || meter.Budget.TargetConfidence is not { } target) return;

            var tally = solver._rule.Tally(Box.Ballots);
            if (tally.Winner is not { } winner) return;
            if (tally.Confidence >= target) Stop = StopReason.Decided;
            else if (solver._options.UnanimousWindow > 0 && _streak >= solver._options.UnanimousWindow && _streakKey == winner.Key) Stop = StopReason.Unanimous;
            else return;

            // Decided: stop the rest of this wave; the generator yields them as Cancelled and the loop drains them.
            Control.CancelAll();
        }
    }
}
