using System.Runtime.CompilerServices;
using System.Text;
using InferenceScaling.Sampling;
using InferenceScaling.Voting;

namespace InferenceScaling.Evaluation;

/// <summary>
/// Runs an accuracy-versus-budget sweep over an <see cref="ITraceGenerator"/>: every problem is sampled once at the
/// largest budget, the pool of traces is kept, and each strategy reports its outcome at every budget (pool-based ones,
/// like <c>sc</c>, read it from the pool without bias; solver-based ones, like <c>adaptive</c>, run live). Results are
/// appended per problem to <c>per-problem.jsonl</c> and summarized per strategy × budget with bootstrap intervals.
/// </summary>
/// <remarks>
/// <para>
/// <b>Reproducible and resumable.</b> A problem's sampling seed is <see cref="ProblemSeed"/>(run seed, problem id), never
/// its position, so the same problem gets the same traces in any order, at any concurrency, and after a resume. A
/// sweep cancelled or killed at any moment and resumed (<see cref="SweepOptions.Resume"/>) loses at most the problems
/// in flight and summarizes exactly as an uninterrupted run (given a deterministic generator and clock).
/// </para>
/// <para>
/// <b>Pool answers</b> are read the way the solver reads them (a <see cref="BallotBox"/>): a trace cut off at its token
/// limit before an answer line casts no vote, and equivalent answers share a group.
/// </para>
/// <para>One run at a time per instance is the intended use; concurrent runs must write to different folders.</para>
/// </remarks>
/// <example>
/// <code>
/// var runner = new SweepRunner(generator, new SweepOptions { Budgets = [1, 4, 16], AnswerChecker = MyChecker });
/// SweepSummary summary = await runner.RunAsync(myProblems, ct);
/// </code>
/// </example>
public sealed class SweepRunner
{
    private readonly ITraceGenerator _generator;

    /// <summary>Creates a runner. Does no I/O.</summary>
    /// <param name="generator">Draws traces (the ONNX runtime, or a fake).</param>
    /// <param name="options">Settings; default <see cref="SweepOptions"/>'s defaults.</param>
    public SweepRunner(ITraceGenerator generator, SweepOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(generator);
        _generator = generator;
        Options = options ?? new SweepOptions();
    }

    /// <summary>The settings in use.</summary>
    public SweepOptions Options { get; }

    /// <summary>
    /// The sampling seed of problem <paramref name="problemId"/> in a run seeded <paramref name="runSeed"/>: SplitMix64 of
    /// the run seed mixed with the FNV-1a hash of the id's UTF-8 bytes. Depends on nothing else, so it is stable across
    /// run order, machines and .NET versions.
    /// </summary>
    /// <param name="runSeed">The run seed (<see cref="SweepOptions.Seed"/>).</param>
    /// <param name="problemId">The problem's id.</param>
    public static ulong ProblemSeed(ulong runSeed, string problemId)
    {
        ArgumentNullException.ThrowIfNull(problemId);
        var h = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(problemId))
        {
            h ^= b;
            h *= 1099511628211UL;
        }

        var z = runSeed + 0x9E3779B97F4A7C15UL * (h | 1);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>
    /// Runs the sweep over <paramref name="problems"/> and returns its summary (also written as <c>summary.csv</c> when
    /// <see cref="SweepOptions.OutputDirectory"/> is set). With <see cref="SweepOptions.Resume"/>, problems already in
    /// the folder's <c>per-problem.jsonl</c> are skipped, and the summary covers all of <paramref name="problems"/>.
    /// </summary>
    /// <param name="problems">The problems; ids must be unique.</param>
    /// <param name="cancellationToken">Stops the run; finished problems stay in <c>per-problem.jsonl</c> for a resume.</param>
    /// <returns>Per strategy × budget: accuracy with its 95% bootstrap interval, mean tokens, wall time and samples.</returns>
    /// <exception cref="ArgumentException">No problems, a repeated id, or an unknown strategy name (the message lists the known ones).</exception>
    /// <exception cref="NotSupportedException">A strategy name is reserved for a stage this build lacks.</exception>
    /// <exception cref="IOException">The output folder already holds results and <see cref="SweepOptions.Resume"/> is false.</exception>
    /// <exception cref="OperationCanceledException">The run was cancelled.</exception>
    public async Task<SweepSummary> RunAsync(IReadOnlyList<EvalProblem> problems, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(problems);
        if (problems.Count == 0) throw new ArgumentException("A sweep needs at least one problem.", nameof(problems));
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in problems)
        {
            ArgumentNullException.ThrowIfNull(p, nameof(problems));
            if (!ids.Add(p.Id)) throw new ArgumentException($"Problem id '{p.Id}' appears twice.", nameof(problems));
        }

        var options = Options;
        // Strategy names fail here, before a file is opened or a trace drawn.
        options.Catalog.Validate(options.Strategies);
        var counter = new CountingGenerator(_generator);
        var context = new SweepStrategyContext(counter, options);
        var strategies = new ISweepStrategy[options.Strategies.Count];
        for (var i = 0; i < strategies.Length; i++) strategies[i] = options.Catalog.Create(options.Strategies[i], context);

        await using var log = options.OutputDirectory is { } dir ? SweepLog.Open(Path.Combine(dir, SweepLog.FileName), options.Resume) : null;
        var memory = new List<SweepProblemRecord>();
        var pending = new List<EvalProblem>(problems.Count);
        foreach (var p in problems)
        {
            if (log?.IsDone(p.Id) != true) pending.Add(p);
        }

        var start = options.TimeProvider.GetTimestamp();
        var progressGate = new object();
        var done = problems.Count - pending.Count;
        var resumed = done;
        options.Progress?.Report(new SweepProgress(done, problems.Count, resumed, 0, 0, TimeSpan.Zero, null));

        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.MaxConcurrency, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(pending, parallel, async (problem, ct) =>
        {
            ct.ThrowIfCancellationRequested();
            var record = await RunProblemAsync(problem, strategies, context, counter, ct).ConfigureAwait(false);
            if (log is not null) await log.AppendAsync(record, ct).ConfigureAwait(false);
            else lock (memory) memory.Add(record);

            lock (progressGate)
            {
                done++;
                options.Progress?.Report(new SweepProgress(done, problems.Count, resumed, counter.Traces, counter.Tokens, options.TimeProvider.GetElapsedTime(start), problem.Id));
            }
        }).ConfigureAwait(false);

        var finished = log is not null ? log.Records : memory;
        var ours = new List<SweepProblemRecord>(problems.Count);
        foreach (var r in finished)
        {
            if (ids.Contains(r.ProblemId)) ours.Add(r);
        }

        var summary = SweepSummary.Compute(ours, options.BootstrapSeed);
        if (options.OutputDirectory is { } output) summary.WriteCsv(Path.Combine(output, SweepSummary.CsvFileName));
        return summary;
    }

    /// <summary>Samples one problem's pool and evaluates every strategy on it.</summary>
    private async Task<SweepProblemRecord> RunProblemAsync(EvalProblem problem, ISweepStrategy[] strategies, SweepStrategyContext context, CountingGenerator generator, CancellationToken cancellationToken)
    {
        var options = Options;
        var seed = options.SeedFor(problem.Id);
        var request = new TraceRequest
        {
            Prompt = options.PromptTemplate(problem.Question),
            Count = options.PoolSize,
            Sampling = options.Sampling with { Seed = seed },
        };
        var clock = options.TimeProvider.GetTimestamp();
        var traces = new List<Trace>(request.Count);
        await foreach (var t in generator.GenerateAsync(request, cancellationToken).ConfigureAwait(false)) traces.Add(t);
        var wallPerTrace = options.TimeProvider.GetElapsedTime(clock).TotalMilliseconds / Math.Max(1, traces.Count);
        traces.Sort((a, b) => a.Index.CompareTo(b.Index));

        var box = new BallotBox(options.Extractor, options.Equivalence);
        var pool = new SweepTrace[traces.Count];
        for (var i = 0; i < traces.Count; i++)
        {
            var trace = traces[i];
            var ballot = box.Add(trace);
            var answer = ballot.CastsVote ? ballot.Answer!.Text : null;
            var correct = answer is not null && context.Checker(problem.Answer, answer);
            pool[i] = new SweepTrace(ballot.Key, correct, trace.GeneratedTokens, trace.MeanLogProb, wallPerTrace, answer, trace.FinishReason.ToString(), MinLogProb(trace), trace.InjectedTokens);
        }

        var outcomes = new List<SweepOutcome>();
        foreach (var strategy in strategies)
        {
            cancellationToken.ThrowIfCancellationRequested();
            outcomes.AddRange(await strategy.EvaluateAsync(problem, pool, options.Budgets, cancellationToken).ConfigureAwait(false));
        }

        return new SweepProblemRecord(problem.Id, problem.Answer, pool, outcomes, seed);
    }

    private static double MinLogProb(Trace trace)
    {
        var logProbs = trace.TokenLogProbs;
        if (logProbs.Count == 0) return 0;
        var min = double.PositiveInfinity;
        for (var i = 0; i < logProbs.Count; i++) min = Math.Min(min, logProbs[i]);
        return min;
    }

    /// <summary>Passes requests through and counts the traces and tokens that come back, for progress reports.</summary>
    private sealed class CountingGenerator(ITraceGenerator inner) : DelegatingTraceGenerator(inner)
    {
        private long _traces;

        private long _tokens;

        public long Traces => Interlocked.Read(ref _traces);

        public long Tokens => Interlocked.Read(ref _tokens);

        public override async IAsyncEnumerable<Trace> GenerateAsync(TraceRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await foreach (var trace in InnerGenerator.GenerateAsync(request, cancellationToken).ConfigureAwait(false))
            {
                Interlocked.Increment(ref _traces);
                Interlocked.Add(ref _tokens, trace.GeneratedTokens);
                yield return trace;
            }
        }
    }
}
