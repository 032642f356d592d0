using InferenceScaling.Answers;
using InferenceScaling.Sampling;
using InferenceScaling.Solving;

namespace InferenceScaling.Evaluation;

/// <summary>
/// Settings of a <see cref="SweepRunner"/>. Immutable; copy with <c>with</c>. Each setter validates its value and the
/// defaults are documented on each property.
/// </summary>
public sealed record SweepOptions
{
    /// <summary>The default sample budgets: 1, 2, 4, 8, 16, 32.</summary>
    public static IReadOnlyList<int> DefaultBudgets { get; } = [1, 2, 4, 8, 16, 32];

    /// <summary>The default strategies: <c>greedy</c>, <c>sc</c>, <c>adaptive</c>.</summary>
    public static IReadOnlyList<string> DefaultStrategies { get; } = ["greedy", "sc", "adaptive"];

    /// <summary>
    /// Sample budgets to evaluate, strictly ascending, each ≥ 1; the largest is the pool size every problem is sampled at
    /// (at most <see cref="MajorityVoteEstimator.MaxPool"/>). Default <see cref="DefaultBudgets"/>.
    /// </summary>
    public IReadOnlyList<int> Budgets
    {
        get;
        init
        {
            ArgumentNullException.ThrowIfNull(value);
            if (value.Count == 0) throw new ArgumentException("At least one budget is needed.", nameof(Budgets));
            for (var i = 0; i < value.Count; i++)
            {
                if (value[i] < 1) throw new ArgumentOutOfRangeException(nameof(Budgets), value[i], "Budgets must be ≥ 1.");
                if (i > 0 && value[i] <= value[i - 1]) throw new ArgumentException($"Budgets must be strictly ascending ({value[i - 1]} then {value[i]}).", nameof(Budgets));
            }

            if (value[^1] > MajorityVoteEstimator.MaxPool)
                throw new ArgumentOutOfRangeException(nameof(Budgets), value[^1], $"The largest budget is the pool size, at most {MajorityVoteEstimator.MaxPool}.");
            field = value.ToArray();
        }
    } = DefaultBudgets;

    /// <summary>
    /// Strategy names, resolved in <see cref="Catalog"/> when the run starts (an unknown name fails before any
    /// sampling). Non-empty, no repeats. Default <see cref="DefaultStrategies"/>.
    /// </summary>
    public IReadOnlyList<string> Strategies
    {
        get;
        init
        {
            ArgumentNullException.ThrowIfNull(value);
            if (value.Count == 0) throw new ArgumentException("At least one strategy is needed.", nameof(Strategies));
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var name in value)
            {
                ArgumentException.ThrowIfNullOrWhiteSpace(name, nameof(Strategies));
                if (!seen.Add(name)) throw new ArgumentException($"Strategy '{name}' is listed twice.", nameof(Strategies));
            }

            field = value.ToArray();
        }
    } = DefaultStrategies;

    /// <summary>Where strategy names are looked up. Default: a fresh <see cref="SweepStrategyCatalog.CreateDefault"/>.</summary>
    public SweepStrategyCatalog Catalog
    {
        get;
        init => field = value ?? throw new ArgumentNullException(nameof(Catalog));
    } = SweepStrategyCatalog.CreateDefault();

    /// <summary>
    /// The run seed. Each problem samples with <see cref="SweepRunner.ProblemSeed"/>(seed, problem id), so a problem's
    /// traces do not depend on the order problems run in, on concurrency, or on resuming. Default 0.
    /// </summary>
    public ulong Seed { get; init; }

    /// <summary>
    /// Whether each problem samples with its own seed (<see cref="SweepRunner.ProblemSeed"/>(seed, problem id), the
    /// default) or every problem with <see cref="Seed"/> itself (false: how <c>infscale eval-verify</c> has always
    /// drawn, so its figures can be reproduced exactly). Default true.
    /// </summary>
    public bool SeedPerProblem { get; init; } = true;

    /// <summary>The sampling seed of <paramref name="problemId"/> in this run (see <see cref="SeedPerProblem"/>).</summary>
    /// <param name="problemId">The problem's id.</param>
    public ulong SeedFor(string problemId) => SeedPerProblem ? SweepRunner.ProblemSeed(Seed, problemId) : Seed;

    /// <summary>Turns a question into the prompt the traces continue. Default <see cref="SelfConsistencyOptions.FormatDefaultPrompt"/>.</summary>
    public Func<string, string> PromptTemplate
    {
        get;
        init => field = value ?? throw new ArgumentNullException(nameof(PromptTemplate));
    } = SelfConsistencyOptions.FormatDefaultPrompt;

    /// <summary>
    /// How sampled traces are drawn (temperature, token limit, stop strings). Its <see cref="SamplingOptions.Seed"/> is
    /// ignored: each problem gets its own. The <c>greedy</c> strategy uses these with temperature 0. Default
    /// <see cref="SamplingOptions"/>'s defaults.
    /// </summary>
    public SamplingOptions Sampling
    {
        get;
        init => field = (value ?? throw new ArgumentNullException(nameof(Sampling))).Validate();
    } = new();

    /// <summary>The <c>adaptive</c> strategy's <see cref="Budget.TargetConfidence"/>, in (0, 1]. Default 0.95.</summary>
    public double TargetConfidence
    {
        get;
        init
        {
            if (!(value > 0 && value <= 1)) throw new ArgumentOutOfRangeException(nameof(TargetConfidence), value, "TargetConfidence must be in (0, 1].");
            field = value;
        }
    } = 0.95;

    /// <summary>The <c>adaptive</c> strategy's <see cref="Budget.WaveSize"/>, ≥ 1. Default 4.</summary>
    public int AdaptiveWaveSize
    {
        get;
        init { ArgumentOutOfRangeException.ThrowIfLessThan(value, 1); field = value; }
    } = 4;

    /// <summary>Reads answers from traces. Default <see cref="MathAnswerExtractor"/>.</summary>
    public IAnswerExtractor Extractor
    {
        get;
        init => field = value ?? throw new ArgumentNullException(nameof(Extractor));
    } = new MathAnswerExtractor();

    /// <summary>Groups equal answers for voting. Default <see cref="MathAnswerEquivalence.Instance"/>.</summary>
    public IAnswerEquivalence Equivalence
    {
        get;
        init => field = value ?? throw new ArgumentNullException(nameof(Equivalence));
    } = MathAnswerEquivalence.Instance;

    /// <summary>
    /// Decides correctness: <c>(gold, predicted) → correct</c>, where predicted is null when no answer was found.
    /// Must be thread-safe when <see cref="MaxConcurrency"/> is above 1. Null (the default): predicted is not null and
    /// <see cref="Equivalence"/> says it equals gold.
    /// </summary>
    public Func<string, string?, bool>? AnswerChecker { get; init; }

    /// <summary>
    /// Folder for <c>per-problem.jsonl</c> (appended as each problem finishes) and <c>summary.csv</c> (written at the
    /// end). Null (the default): results are kept in memory only.
    /// </summary>
    public string? OutputDirectory { get; init; }

    /// <summary>
    /// Continue the <c>per-problem.jsonl</c> in <see cref="OutputDirectory"/>: finished problems are skipped and a torn
    /// last line is cut off. Without it, a non-empty file there is an error. Default false.
    /// </summary>
    public bool Resume { get; init; }

    /// <summary>Problems run at the same time, ≥ 1. Results do not depend on it. Default 1.</summary>
    public int MaxConcurrency
    {
        get;
        init { ArgumentOutOfRangeException.ThrowIfLessThan(value, 1); field = value; }
    } = 1;

    /// <summary>Seed of the bootstrap resampling for the confidence intervals. Default 0.</summary>
    public int BootstrapSeed { get; init; }

    /// <summary>
    /// Told after every finished (or skipped) problem, from the worker that finished it, one report at a time.
    /// Implement <see cref="IProgress{T}"/> directly rather than with <see cref="Progress{T}"/>, which posts reports
    /// out of order. Default null.
    /// </summary>
    public IProgress<SweepProgress>? Progress { get; init; }

    /// <summary>Clock for wall times (injectable so tests get exact, repeatable summaries). Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider
    {
        get;
        init => field = value ?? throw new ArgumentNullException(nameof(TimeProvider));
    } = TimeProvider.System;

    /// <summary>
    /// The prompt set whose critique and revise templates the <c>sc+verify</c>, <c>sc+refine</c> and
    /// <c>sc+verify+refine</c> strategies use. Null (the default): those strategies fail when built, saying so.
    /// </summary>
    public Prompts.PromptSet? Prompts { get; init; }

    /// <summary>
    /// How the written checks of the verify and refine strategies are generated and scored. Null (the default): from
    /// the prompt set and the generator's tokenizer (<see cref="Solving.SolverServices.ResolveCheckOptions"/>), else
    /// <see cref="Verification.CheckOptions"/>'s defaults.
    /// </summary>
    public Verification.CheckOptions? Check { get; init; }

    /// <summary>
    /// Scores continuations for the prompt set's checker when it needs one (arith's step scores). Null (the default):
    /// the generator's (<see cref="Sampling.ITraceGenerator.GetService"/>); without one, written critiques.
    /// </summary>
    public Sampling.IContinuationScorer? Scorer { get; init; }

    /// <summary>The largest budget: how many traces each problem's pool holds.</summary>
    public int PoolSize => Budgets[^1];
}
