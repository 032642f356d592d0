using InferenceScaling.Answers;
using InferenceScaling.Prompts;
using InferenceScaling.Refinement;
using InferenceScaling.Sampling;
using InferenceScaling.Verification;
using InferenceScaling.Voting;

namespace InferenceScaling.Solving;

/// <summary>
/// Composes a solver pipeline over shared <see cref="SolverServices"/>, as Microsoft.Extensions.AI's
/// <c>ChatClientBuilder</c> does over an <see cref="IServiceProvider"/>:
/// <c>new SolverBuilder(services).UseVerification().UseRefinement().Build()</c>, or from a loaded model
/// <c>model.AsSolver(b =&gt; b.UseVerification().UseRefinement())</c>.
/// </summary>
/// <remarks>
/// <para><b>Inner solver.</b> Built from the services (a <see cref="SelfConsistencySolver"/> with their generator,
/// extractor, equivalence, clock, the prompt set's solve prompt and <see cref="SolverServices.ResolveSampling"/>), or the
/// one given to <see cref="SolverBuilder(ISolver, SolverServices?)"/>.</para>
/// <para><b>Order.</b> The engine's own stages (<c>UseVerification</c>, <c>UseRefinement</c>) take their place in the
/// pipeline whatever order they are added in: verification wraps the vote, refinement wraps verification. Adding one
/// again replaces its settings. Stages added with <see cref="Use(Func{ISolver, ISolver})"/> wrap those, the first added
/// outermost (they see the call first and the result last).</para>
/// <para><b>One checker.</b> <see cref="Build"/> resolves the checker and its profile once
/// (<see cref="SolverServices.ResolveChecking"/>), and every stage gets the same one.</para>
/// Not thread-safe while being configured; the built pipeline is as thread-safe as its stages.
/// </remarks>
public sealed class SolverBuilder
{
    /// <summary>The innermost solver when given; null to build self-consistency from <see cref="Services"/>.</summary>
    private readonly ISolver? _inner;

    /// <summary>Stages added with <c>Use</c>, in the order added (first = outermost).</summary>
    private readonly List<Func<ISolver, SolverServices?, ISolver>> _stages = [];

    /// <summary>The engine's own stages by their place (innermost first), each at most once.</summary>
    private readonly SortedDictionary<PipelinePlace, Func<ISolver, SolverServices, ISolver>> _engineStages = [];

    /// <summary>The vote's rule; null for majority.</summary>
    private IVotingRule? _rule;

    /// <summary>Adjusts the self-consistency options built from the services; null for none.</summary>
    private Func<SelfConsistencyOptions, SelfConsistencyOptions>? _configureSelfConsistency;

    /// <summary>Starts a pipeline whose inner solver is self-consistency over <paramref name="services"/>.</summary>
    /// <param name="services">What the stages share.</param>
    public SolverBuilder(SolverServices services)
    {
        ArgumentNullException.ThrowIfNull(services);
        Services = services;
    }

    /// <summary>Starts a pipeline around <paramref name="innerSolver"/>.</summary>
    /// <param name="innerSolver">The innermost solver (usually a <see cref="SelfConsistencySolver"/>).</param>
    /// <param name="services">What the stages share; null when only stages that need none are added.</param>
    public SolverBuilder(ISolver innerSolver, SolverServices? services = null)
    {
        ArgumentNullException.ThrowIfNull(innerSolver);
        _inner = innerSolver;
        Services = services;
    }

    /// <summary>What the stages share; null when the builder was given an inner solver and no services.</summary>
    public SolverServices? Services { get; }

    /// <summary>Adds a stage.</summary>
    /// <param name="stageFactory">Wraps the solver built so far.</param>
    /// <returns>This builder.</returns>
    public SolverBuilder Use(Func<ISolver, ISolver> stageFactory)
    {
        ArgumentNullException.ThrowIfNull(stageFactory);
        _stages.Add((inner, _) => stageFactory(inner));
        return this;
    }

    /// <summary>Adds a stage that takes what it needs from the services.</summary>
    /// <param name="stageFactory">Wraps the solver built so far, given the services (with the checker resolved).</param>
    /// <returns>This builder.</returns>
    public SolverBuilder Use(Func<ISolver, SolverServices, ISolver> stageFactory)
    {
        ArgumentNullException.ThrowIfNull(stageFactory);
        _stages.Add((inner, services) => stageFactory(inner, services ?? throw NoServices("A stage")));
        return this;
    }

    /// <summary>Votes with <paramref name="rule"/> instead of majority (only when the builder builds the inner solver).</summary>
    /// <param name="rule">The voting rule.</param>
    /// <returns>This builder.</returns>
    public SolverBuilder UseVotingRule(IVotingRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        _rule = rule;
        return this;
    }

    /// <summary>
    /// Adjusts the inner self-consistency solver's options (sampling, prompt, early stop) after the services' defaults
    /// are applied, e.g. <c>o =&gt; o with { Sampling = o.Sampling with { Seed = 7 } }</c>. Calling it again replaces
    /// the earlier adjustment.
    /// </summary>
    /// <param name="configure">Returns the options to use.</param>
    /// <returns>This builder.</returns>
    public SolverBuilder ConfigureSelfConsistency(Func<SelfConsistencyOptions, SelfConsistencyOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        _configureSelfConsistency = configure;
        return this;
    }

    /// <summary>Puts one of the engine's own stages in its place (replacing an earlier one there).</summary>
    internal SolverBuilder UseStage(PipelinePlace stage, Func<ISolver, SolverServices, ISolver> factory)
    {
        _engineStages[stage] = factory;
        return this;
    }

    /// <summary>Builds the pipeline.</summary>
    /// <returns>The outermost solver.</returns>
    /// <exception cref="InvalidOperationException">A stage needs services the builder lacks (no services, no prompt set), the prompt set names an unknown checker, or a stage factory returned null.</exception>
    public ISolver Build()
    {
        var services = Services;
        // The prompts tell the model which tools it has (a chat template's tools block) whenever the stages decode with them.
        if (services is { Tools: { } tools, Prompts: { ToolDefinitions: null } prompts })
            services = services with { Prompts = prompts.WithTools(tools) };
        if (services is not null && _engineStages.Count > 0 && services.Prompts is not null)
        {
            // One checker for every stage: resolved here once, then pinned in the services the stages see.
            var (checker, profile, _) = services.ResolveChecking();
            services = services with { Checker = checker, Checking = profile };
        }

        var solver = _inner ?? SelfConsistency(services!);
        foreach (var (stage, factory) in _engineStages)
            solver = factory(solver, services ?? throw NoServices($"Use{stage}")) ?? throw new InvalidOperationException($"The {stage} stage factory returned null.");
        for (var i = _stages.Count - 1; i >= 0; i--)
            solver = _stages[i](solver, services) ?? throw new InvalidOperationException($"Solver stage factory #{i + 1} returned null.");
        return solver;
    }

    private SelfConsistencySolver SelfConsistency(SolverServices services)
    {
        var options = new SelfConsistencyOptions { PromptTemplate = services.PromptTemplate, Sampling = services.ResolveSampling() };
        if (_configureSelfConsistency is { } configure) options = configure(options) ?? throw new InvalidOperationException("ConfigureSelfConsistency returned null.");
        return new SelfConsistencySolver(services.Decoder, services.Extractor, services.Equivalence, _rule, options, services.TimeProvider);
    }

    private static InvalidOperationException NoServices(string what) =>
        new($"{what} needs SolverServices: start the builder with them (new SolverBuilder(services), solver.AsBuilder(services), or model.AsSolver()).");

    /// <summary>
    /// Adds verify-and-select: checks the vote's distinct candidate answers with the services' one checker (the prompt
    /// set's <see cref="CheckingProfile.Checker"/>, see <see cref="SolverServices.ResolveChecking"/>) and re-ranks them
    /// (see <see cref="VerificationSolver"/>). The budget's <see cref="Budget.MaxVerifications"/> decides how many checks
    /// run (null: the checking profile's <see cref="CheckingProfile.ChecksFor"/> of the sample budget); 0 passes the
    /// solution through. It wraps the vote wherever it is added; adding it again replaces its settings.
    /// </summary>
    /// <param name="configure">Adjusts the settings, starting from the checking profile's
    /// (<see cref="CheckingProfile.Verification"/>); null keeps them.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="InvalidOperationException">At <see cref="SolverBuilder.Build"/>: the builder has no services or no prompt set.</exception>
    public SolverBuilder UseVerification(Func<VerificationOptions, VerificationOptions>? configure = null)
    {
        return UseStage(PipelinePlace.Verification, (inner, services) =>
        {
            var (checker, profile, _) = services.ResolveChecking();
            var options = configure is null ? profile.Verification : configure(profile.Verification) ?? throw new InvalidOperationException("UseVerification's configure returned null.");
            return new VerificationSolver(inner, checker, options, services.TimeProvider, profile);
        });
    }

    /// <summary>
    /// Adds gated self-refinement (see <see cref="RefinementSolver"/>) with the services' generator, prompt set,
    /// extractor, equivalence and one checker. The budget's <see cref="Budget.MaxRefinementRounds"/> decides how many
    /// rounds may run; 0 passes the solution through. It wraps verification (when added) wherever it is added, so it
    /// refines the verified answer; adding it again replaces its settings.
    /// </summary>
    /// <param name="configure">Adjusts the settings, starting from the checking profile's
    /// (<see cref="CheckingProfile.Refinement"/>); null keeps them.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="InvalidOperationException">At <see cref="SolverBuilder.Build"/>: the builder has no services or no prompt set.</exception>
    public SolverBuilder UseRefinement(Func<RefinementOptions, RefinementOptions>? configure = null)
    {
        return UseStage(PipelinePlace.Refinement, (inner, services) =>
        {
            var (checker, profile, _) = services.ResolveChecking();
            var options = configure is null ? profile.Refinement : configure(profile.Refinement) ?? throw new InvalidOperationException("UseRefinement's configure returned null.");
            return new RefinementSolver(inner, services.Decoder, services.Prompts!, services.Extractor, services.Equivalence, options, checker, services.TimeProvider);
        });
    }
}
