using InferenceScaling.Prompts;
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
        Services = new SolverServices
        {
            Generator = generator,
            Prompts = options.Prompts,
            Scorer = options.Scorer,
            Check = options.Check,
            Extractor = options.Extractor,
            Equivalence = options.Equivalence,
            TimeProvider = options.TimeProvider,
            Sampling = options.Sampling,
        };
        if (options.Prompts is not null)
        {
            // One checker and profile for the run, resolved once (as a built pipeline does per request).
            var (checker, checking, _) = Services.ResolveChecking();
            Services = Services with { Checker = checker, Checking = checking };
        }
    }

    /// <summary>The run's trace generator.</summary>
    public ITraceGenerator Generator { get; }

    /// <summary>The run's settings.</summary>
    public SweepOptions Options { get; }

    /// <summary>
    /// What the run's solvers share: the generator, the run's prompt set, scorer, extractor, equivalence, clock and
    /// sampling; with a prompt set, the one checker and checking profile (<see cref="SolverServices.ResolveChecking"/>).
    /// </summary>
    public SolverServices Services { get; }

    /// <summary>The answer checker in effect: <see cref="SweepOptions.AnswerChecker"/>, or the default equivalence check.</summary>
    public Func<string, string?, bool> Checker { get; }

    /// <summary>The sampling seed of a problem in this run (<see cref="SweepOptions.SeedFor"/>).</summary>
    /// <param name="problemId">The problem's id.</param>
    public ulong ProblemSeed(string problemId) => Options.SeedFor(problemId);

    /// <summary>
    /// A builder for one problem's pipeline over <see cref="Services"/>: self-consistency with the run's prompt,
    /// sampling settings, extractor and equivalence, the problem's <paramref name="seed"/>, and the run's clock. Sharing
    /// the seed with the pool means trace i of the solver is trace i of the pool, so solver-based and pool-based
    /// strategies are compared on the same draws. Add stages to it (<c>UseVerification()</c>, <c>UseRefinement()</c>).
    /// </summary>
    /// <param name="seed">The problem's seed.</param>
    /// <param name="temperature">Overrides the sampling temperature (0 for greedy); null keeps the run's.</param>
    /// <param name="services">Other services to build on (e.g. <see cref="Services"/> with another checker); null for <see cref="Services"/>.</param>
    public SolverBuilder CreateBuilder(ulong seed, float? temperature = null, SolverServices? services = null) =>
        new SolverBuilder(services ?? Services).ConfigureSelfConsistency(o => o with
        {
            PromptTemplate = Options.PromptTemplate,
            Sampling = o.Sampling with { Seed = seed, Temperature = temperature ?? o.Sampling.Temperature },
        });

    /// <summary>A self-consistency solver for one problem (<see cref="CreateBuilder"/> with no stages).</summary>
    /// <param name="seed">The problem's seed.</param>
    /// <param name="temperature">Overrides the sampling temperature (0 for greedy); null keeps the run's.</param>
    public ISolver CreateSelfConsistencySolver(ulong seed, float? temperature = null) => CreateBuilder(seed, temperature).Build();

    /// <summary>
    /// The pipelines behind <c>sc+verify</c>, <c>sc+refine</c> and <c>sc+verify+refine</c>: <see cref="CreateBuilder"/>
    /// with <c>UseVerification()</c> and/or <c>UseRefinement()</c> (revisions sample with the problem's seed).
    /// </summary>
    /// <param name="seed">The problem's seed.</param>
    /// <param name="verify">Add <c>UseVerification</c>.</param>
    /// <param name="refine">Add <c>UseRefinement</c>.</param>
    /// <exception cref="InvalidOperationException"><see cref="SweepOptions.Prompts"/> is not set.</exception>
    public ISolver CreateStagedSolver(ulong seed, bool verify, bool refine)
    {
        if (Options.Prompts is null) throw new InvalidOperationException("Verification and refinement strategies need SweepOptions.Prompts (the critique and revise templates).");
        var builder = CreateBuilder(seed);
        if (verify) builder.UseVerification();
        if (refine) builder.UseRefinement(r => r with { ReviseSampling = r.ReviseSampling with { Seed = seed } });
        return builder.Build();
    }

    /// <summary>
    /// The checking profile in effect (<see cref="SolverServices.ResolveChecking"/>): the prompt set's when its checker
    /// runs here, else written critiques' defaults; <see cref="CheckingProfile.Default"/> without a prompt set.
    /// </summary>
    public CheckingProfile Checking => Services.Checking ?? CheckingProfile.Default;

    /// <summary>
    /// Whether the run's checks are cheap enough to check every distinct candidate: the checking profile in effect says
    /// so (<see cref="CheckingProfile.ChecksEveryCandidate"/>; arith's step scores, when a scorer is there).
    /// </summary>
    public bool ChecksAreCheap => Checking.ChecksEveryCandidate;

    /// <summary>
    /// The budget of the staged strategies at <paramref name="samples"/>: k samples without early stopping (as
    /// <c>sc</c>), one refinement round when <paramref name="refine"/>, and when <paramref name="verify"/>
    /// <see cref="CheckingProfile.ChecksFor"/>(k) checks of <paramref name="checking"/> (default
    /// <see cref="CheckingProfile.Default"/>: max(1, k / 4), the <see cref="Budget.FromKnob"/> ratio made for written
    /// critiques; a profile with one check per sample checks every distinct candidate).
    /// </summary>
    /// <param name="samples">The sample budget k.</param>
    /// <param name="verify">Whether verification may spend.</param>
    /// <param name="refine">Whether refinement may spend.</param>
    /// <param name="checking">How many checks a sample is worth; null for <see cref="CheckingProfile.Default"/>.</param>
    public static Budget StagedBudget(int samples, bool verify, bool refine, CheckingProfile? checking = null) => new Budget
    {
        MaxSamples = samples,
        MaxVerifications = verify ? (checking ?? CheckingProfile.Default).ChecksFor(samples) : 0,
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
