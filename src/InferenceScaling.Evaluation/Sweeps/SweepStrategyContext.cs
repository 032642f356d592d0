using InferenceScaling.Arith;
using InferenceScaling.Refinement;
using InferenceScaling.Sampling;
using InferenceScaling.Solving;
using InferenceScaling.Verification;

namespace InferenceScaling.Evaluation;

/// <summary>
/// What a strategy factory in a <see cref="SweepStrategyCatalog"/> gets to build its strategy with: the run's trace
/// generator and settings, the answer checker, and helpers for the solver-based strategies. Made by
/// <see cref="SweepRunner"/> once per run. Immutable and thread-safe.
/// </summary>
public sealed class SweepStrategyContext
{
    /// <summary>Creates a context (the runner does this; public so a harness can build strategies by hand).</summary>
    /// <param name="generator">The run's trace generator.</param>
    /// <param name="options">The run's settings.</param>
    public SweepStrategyContext(ITraceGenerator generator, SweepOptions options)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(options);
        Generator = generator;
        Options = options;
        var equivalence = options.Equivalence;
        Checker = options.AnswerChecker ?? ((gold, predicted) => predicted is not null && equivalence.AreEquivalent(gold, predicted));
    }

    /// <summary>The run's trace generator.</summary>
    public ITraceGenerator Generator { get; }

    /// <summary>The run's settings.</summary>
    public SweepOptions Options { get; }

    /// <summary>The answer checker in effect: <see cref="SweepOptions.AnswerChecker"/>, or the default equivalence check.</summary>
    public Func<string, string?, bool> Checker { get; }

    /// <summary>The sampling seed of a problem in this run (<see cref="SweepRunner.ProblemSeed"/>).</summary>
    /// <param name="problemId">The problem's id.</param>
    public ulong ProblemSeed(string problemId) => SweepRunner.ProblemSeed(Options.Seed, problemId);

    /// <summary>
    /// A self-consistency solver for one problem, with the run's prompt, sampling settings, extractor and equivalence,
    /// the problem's <paramref name="seed"/>, and the run's clock. Sharing the seed with the pool means trace i of the
    /// solver is trace i of the pool, so solver-based and pool-based strategies are compared on the same draws.
    /// </summary>
    /// <param name="seed">The problem's seed.</param>
    /// <param name="temperature">Overrides the sampling temperature (0 for greedy); null keeps the run's.</param>
    public SelfConsistencySolver CreateSelfConsistencySolver(ulong seed, float? temperature = null)
    {
        var sampling = Options.Sampling with { Seed = seed };
        if (temperature is { } t) sampling = sampling with { Temperature = t };
        var options = new SelfConsistencyOptions { PromptTemplate = Options.PromptTemplate, Sampling = sampling };
        return new SelfConsistencySolver(Generator, Options.Extractor, Options.Equivalence, options: options, timeProvider: Options.TimeProvider);
    }

    /// <summary>
    /// The pipelines behind <c>sc+verify</c>, <c>sc+refine</c> and <c>sc+verify+refine</c>: a self-consistency solver
    /// for the problem's <paramref name="seed"/>, wrapped in refinement (outer) and/or verification (inner, so it runs
    /// first and refinement reuses its checks). Revisions sample with the problem's seed.
    /// </summary>
    /// <param name="seed">The problem's seed.</param>
    /// <param name="verify">Add <c>UseVerification</c>.</param>
    /// <param name="refine">Add <c>UseRefinement</c>.</param>
    /// <exception cref="InvalidOperationException"><see cref="SweepOptions.Prompts"/> is not set.</exception>
    public ISolver CreateStagedSolver(ulong seed, bool verify, bool refine)
    {
        var prompts = Options.Prompts ?? throw new InvalidOperationException("Verification and refinement strategies need SweepOptions.Prompts (the critique and revise templates).");
        var builder = CreateSelfConsistencySolver(seed).AsBuilder();
        var checker = ArithProfile.Checker(prompts, Generator, Options.Scorer, Options.Check);
        if (refine)
        {
            var refinement = ArithProfile.Refinement(checker) with { Check = Options.Check };
            builder.UseRefinement(Generator, prompts, Options.Extractor, Options.Equivalence, refinement with { ReviseSampling = refinement.ReviseSampling with { Seed = seed } }, checker);
        }

        if (verify) builder.UseVerification(checker, ArithProfile.Verification(checker));
        return builder.Build();
    }

    /// <summary>
    /// Whether the run's checks are cheap step checks (a <see cref="SweepOptions.Scorer"/> and a prompt set with step
    /// checks, <see cref="Prompts.PromptSet.HasStepChecks"/>): a check then costs a few scored tokens instead of a
    /// written critique, so verification can afford to check every distinct candidate.
    /// </summary>
    public bool ChecksAreCheap => Options.Scorer is not null && Options.Prompts is { HasStepChecks: true };

    /// <summary>
    /// The budget of the staged strategies at <paramref name="samples"/>: k samples without early stopping (as
    /// <c>sc</c>), one refinement round when <paramref name="refine"/>, and when <paramref name="verify"/> either k
    /// checks (<paramref name="checkEveryCandidate"/>: at most k distinct candidates, so every one is checked) or
    /// max(1, k / 4) (the <see cref="Budget.FromKnob"/> ratio, made for written critiques; at least one so the stage runs).
    /// </summary>
    /// <param name="samples">The sample budget k.</param>
    /// <param name="verify">Whether verification may spend.</param>
    /// <param name="refine">Whether refinement may spend.</param>
    /// <param name="checkEveryCandidate">Allow a check per sample instead of k / 4. Default false.</param>
    public static Budget StagedBudget(int samples, bool verify, bool refine, bool checkEveryCandidate = false) => new Budget
    {
        MaxSamples = samples,
        MaxVerifications = verify ? (checkEveryCandidate ? samples : Math.Max(1, samples / 4)) : 0,
        MaxRefinementRounds = refine ? 1 : 0,
    }.Validate();

    /// <summary>
    /// The budget the <c>adaptive</c> strategy runs under at <paramref name="samples"/>: at most that many samples, in
    /// waves of <see cref="SweepOptions.AdaptiveWaveSize"/>, stopping at <see cref="SweepOptions.TargetConfidence"/>.
    /// </summary>
    /// <param name="samples">The sample budget k.</param>
    public Budget AdaptiveBudget(int samples) =>
        new Budget { MaxSamples = samples, TargetConfidence = Options.TargetConfidence, WaveSize = Options.AdaptiveWaveSize }.Validate();
}
