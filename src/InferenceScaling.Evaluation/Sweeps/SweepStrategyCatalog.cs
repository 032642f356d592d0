using InferenceScaling.Refinement;
using InferenceScaling.Solving;
using InferenceScaling.Verification;

namespace InferenceScaling.Evaluation;

/// <summary>
/// The strategy names a sweep knows and how each is built. <see cref="CreateDefault"/> knows <c>greedy</c>,
/// <c>sc</c>, <c>adaptive</c>, <c>sc+verify</c>, <c>sc+refine</c> and <c>sc+verify+refine</c>; <see cref="Reserve"/>
/// makes a name known but failing when used, saying what it waits for.
/// </summary>
/// <remarks>Registration is not thread-safe; finish it before a run starts. Lookups are ordinal and case-sensitive.</remarks>
public sealed class SweepStrategyCatalog
{
    /// <summary>Name → factory, or null with a reason for reserved names.</summary>
    private readonly Dictionary<string, (Func<SweepStrategyContext, ISweepStrategy>? Factory, string? Reason)> _entries = new(StringComparer.Ordinal);

    /// <summary>Names in registration order (for messages and help).</summary>
    private readonly List<string> _names = [];

    /// <summary>Every known name (available or reserved), in registration order.</summary>
    public IReadOnlyList<string> Names => _names;

    /// <summary>
    /// A catalog with the built-in strategies:
    /// <list type="bullet">
    /// <item><c>greedy</c>: one trace at temperature 0, reported at budget 1 only (the baseline).</item>
    /// <item><c>sc</c>: majority vote over k samples, the unbiased maj@k from the pool (<see cref="SelfConsistencyStrategy"/>).</item>
    /// <item><c>adaptive</c>: <see cref="Solving.SelfConsistencySolver"/> run live under <see cref="SweepStrategyContext.AdaptiveBudget"/>(k).</item>
    /// <item><c>sc+verify</c>, <c>sc+refine</c>, <c>sc+verify+refine</c>: self-consistency with the verification and/or
    /// refinement stages, run live under <see cref="SweepStrategyContext.StagedBudget"/>(k); they need
    /// <see cref="SweepOptions.Prompts"/>. <c>sc+verify</c> budgets the checking profile's
    /// checks per sample (<see cref="Prompts.CheckingProfile.ChecksFor"/>: every distinct candidate with arith's step
    /// scores), <c>sc+verify+refine</c> one per four samples.</item>
    /// </list>
    /// </summary>
    public static SweepStrategyCatalog CreateDefault()
    {
        var catalog = new SweepStrategyCatalog();
        catalog.Register("greedy", ctx => new SolverSweepStrategy("greedy", ctx, seed => ctx.CreateSelfConsistencySolver(seed, temperature: 0), _ => new Budget { MaxSamples = 1 })
        {
            FixedBudgets = [1],
        });
        catalog.Register("sc", _ => new SelfConsistencyStrategy("sc"));
        catalog.Register("adaptive", ctx => new SolverSweepStrategy("adaptive", ctx, seed => ctx.CreateSelfConsistencySolver(seed), ctx.AdaptiveBudget));
        catalog.Register("sc+verify", ctx => Staged(ctx, "sc+verify", verify: true, refine: false));
        catalog.Register("sc+refine", ctx => Staged(ctx, "sc+refine", verify: false, refine: true));
        catalog.Register("sc+verify+refine", ctx => Staged(ctx, "sc+verify+refine", verify: true, refine: true));
        return catalog;
    }

    /// <summary>
    /// The selection comparison <c>infscale eval-verify</c> runs (<see cref="SelectionComparison"/>, in that order):
    /// the vote and verification/refinement variants on the same draws, each live under
    /// <c>samples=k, wave=k, verifications=<paramref name="checks"/>, rounds=<paramref name="rounds"/></c>:
    /// <list type="bullet">
    /// <item><c>majority</c>: the vote alone.</item>
    /// <item><c>step-weighted</c>: <c>UseVerification()</c> with the checking profile's checker and settings (arith: step scores).</item>
    /// <item><c>step-only</c>: the same checks, the best-scored candidate wins (<see cref="Verification.VerificationSelection.VerifierOnly"/>).</item>
    /// <item><c>critique-weighted</c>: written critiques (<see cref="Prompts.CheckingProfile.Default"/>) instead.</item>
    /// <item><c>majority+refine</c>, <c>step-weighted+refine</c>: <c>UseRefinement</c> with <see cref="Refinement.RefinementOptions"/>'s defaults (revise prompt, critique and re-vote confirm) and the profile's checker.</item>
    /// <item><c>step-weighted+continue</c>: <c>UseVerification().UseRefinement()</c> with the profile's refinement (arith: continue from the checked steps, eight revisions, accept what scores higher).</item>
    /// <item><c>majority+continue</c>: <c>UseRefinement()</c> alone, with the profile's refinement.</item>
    /// </list>
    /// </summary>
    /// <param name="checks">Most checks per problem.</param>
    /// <param name="rounds">Most refinement rounds per problem.</param>
    /// <returns>This catalog.</returns>
    public SweepStrategyCatalog RegisterSelectionComparison(int checks, int rounds)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(checks);
        ArgumentOutOfRangeException.ThrowIfNegative(rounds);
        return RegisterSelectionComparison(k => new Budget { MaxSamples = k, WaveSize = k, MaxVerifications = checks, MaxRefinementRounds = rounds }.Validate());
    }

    /// <summary>
    /// The selection comparison (as <see cref="RegisterSelectionComparison(int, int)"/>) with every strategy live under
    /// the budget <paramref name="budgetAt"/> gives for the sweep's sample budget k, e.g. <c>_ =&gt; Budget.Thorough</c>
    /// (its waves, early stop, checks and rounds).
    /// </summary>
    /// <param name="budgetAt">The budget at sample budget k.</param>
    /// <returns>This catalog.</returns>
    public SweepStrategyCatalog RegisterSelectionComparison(Func<int, Budget> budgetAt)
    {
        ArgumentNullException.ThrowIfNull(budgetAt);
        Budget BudgetAt(int k) => budgetAt(k).Validate();
        void Add(string name, Func<SweepStrategyContext, ulong, ISolver> solver) =>
            Register(name, ctx => new SolverSweepStrategy(name, ctx, seed => solver(ctx, seed), BudgetAt));
        static RefinementOptions Defaults(RefinementOptions _, ulong seed) => new() { ReviseSampling = new RefinementOptions().ReviseSampling with { Seed = seed } };
        Add("majority", (ctx, seed) => ctx.CreateSelfConsistencySolver(seed));
        Add("step-weighted", (ctx, seed) => ctx.CreateBuilder(seed).UseVerification().Build());
        Add("step-only", (ctx, seed) => ctx.CreateBuilder(seed).UseVerification(o => o with { Selection = Verification.VerificationSelection.VerifierOnly }).Build());
        Add("critique-weighted", (ctx, seed) =>
            ctx.CreateBuilder(seed, services: ctx.Services with { Checker = null, Checking = Prompts.CheckingProfile.Default }).UseVerification().Build());
        Add("majority+refine", (ctx, seed) => ctx.CreateBuilder(seed).UseRefinement(r => Defaults(r, seed)).Build());
        Add("step-weighted+refine", (ctx, seed) => ctx.CreateBuilder(seed).UseVerification().UseRefinement(r => Defaults(r, seed)).Build());
        Add("step-weighted+continue", (ctx, seed) =>
            ctx.CreateBuilder(seed).UseVerification().UseRefinement(r => r with { ReviseSampling = r.ReviseSampling with { Seed = seed } }).Build());
        Add("majority+continue", (ctx, seed) =>
            ctx.CreateBuilder(seed).UseRefinement(r => r with { ReviseSampling = r.ReviseSampling with { Seed = seed } }).Build());
        return this;
    }

    /// <summary>The strategy names <see cref="RegisterSelectionComparison(int, int)"/> adds, in print order.</summary>
    public static IReadOnlyList<string> SelectionComparison { get; } =
        ["majority", "step-weighted", "step-only", "critique-weighted", "majority+refine", "step-weighted+refine", "step-weighted+continue", "majority+continue"];

    /// <summary>A verification and/or refinement pipeline over self-consistency, run live.</summary>
    private static SolverSweepStrategy Staged(SweepStrategyContext ctx, string name, bool verify, bool refine) =>
        ctx.Options.Prompts is null
            ? throw new NotSupportedException($"Strategy '{name}' needs SweepOptions.Prompts (the critique and revise templates).")
            : new SolverSweepStrategy(name, ctx, seed => ctx.CreateStagedSolver(seed, verify, refine),
                // sc+verify+refine keeps a check per four samples, as its published figures were measured.
                k => SweepStrategyContext.StagedBudget(k, verify, refine, refine ? null : ctx.Checking));

    /// <summary>Adds <paramref name="name"/>, or replaces an existing (or reserved) entry of that name.</summary>
    /// <param name="name">The strategy's name.</param>
    /// <param name="factory">Builds the strategy for a run.</param>
    /// <returns>This catalog.</returns>
    public SweepStrategyCatalog Register(string name, Func<SweepStrategyContext, ISweepStrategy> factory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(factory);
        Set(name, (factory, null));
        return this;
    }

    /// <summary>Makes <paramref name="name"/> known but unavailable: using it fails with <paramref name="reason"/>.</summary>
    /// <param name="name">The strategy's name.</param>
    /// <param name="reason">Why it cannot run yet, e.g. which stage it needs.</param>
    /// <returns>This catalog.</returns>
    public SweepStrategyCatalog Reserve(string name, string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        Set(name, (null, reason));
        return this;
    }

    /// <summary>Checks names without building anything, so a bad name fails before a model is loaded.</summary>
    /// <param name="names">The names.</param>
    /// <exception cref="ArgumentException">A name is unknown; the message lists the known ones.</exception>
    /// <exception cref="NotSupportedException">A name is reserved; the message says what it needs.</exception>
    public void Validate(IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        foreach (var name in names) Lookup(name);
    }

    /// <summary>Builds the strategy <paramref name="name"/> for a run.</summary>
    /// <param name="name">The strategy's name.</param>
    /// <param name="context">The run's context.</param>
    /// <exception cref="ArgumentException">The name is unknown; the message lists the known ones.</exception>
    /// <exception cref="NotSupportedException">The name is reserved; the message says what it needs.</exception>
    public ISweepStrategy Create(string name, SweepStrategyContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var strategy = Lookup(name)(context) ?? throw new InvalidOperationException($"The factory of strategy '{name}' returned null.");
        if (!string.Equals(strategy.Name, name, StringComparison.Ordinal))
            throw new InvalidOperationException($"Strategy '{name}' built a strategy named '{strategy.Name}'; the names must match.");
        return strategy;
    }

    private Func<SweepStrategyContext, ISweepStrategy> Lookup(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!_entries.TryGetValue(name, out var entry))
            throw new ArgumentException($"Unknown strategy '{name}'. Known strategies: {string.Join(", ", _names)}.");
        return entry.Factory ?? throw new NotSupportedException($"Strategy '{name}' is not available: {entry.Reason}.");
    }

    private void Set(string name, (Func<SweepStrategyContext, ISweepStrategy>?, string?) entry)
    {
        if (!_entries.ContainsKey(name)) _names.Add(name);
        _entries[name] = entry;
    }
}
