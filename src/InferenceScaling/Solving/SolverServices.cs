using InferenceScaling.Answers;
using InferenceScaling.Prompts;
using InferenceScaling.Runtime;
using InferenceScaling.Sampling;
using InferenceScaling.Tokenization;
using InferenceScaling.Tools;
using InferenceScaling.Verification;

namespace InferenceScaling.Solving;

/// <summary>
/// What the stages of a solver pipeline share, given once to a <see cref="SolverBuilder"/>: the generator, the scorer,
/// tokenizer and model behind it, the prompt set, the answer extractor and equivalence, one checker, the clock and the
/// tools. Each stage takes what it needs from here (also as an <see cref="IServiceProvider"/>), so <c>UseVerification()</c>
/// and <c>UseRefinement()</c> need no arguments. Immutable; copy with <c>with</c>.
/// </summary>
/// <remarks>
/// Only <see cref="Generator"/> is required. Unset services are found from it (<see cref="ITraceGenerator.GetService"/>:
/// an ONNX generator or the scheduler gives its <see cref="DecoderModel"/>, tokenizer and a continuation scorer), or
/// take the defaults each property documents.
/// </remarks>
public sealed record SolverServices : IServiceProvider
{
    /// <summary>Draws every trace: samples, checks, revisions. With <see cref="Tools"/>, the stages decode through <see cref="TraceGeneratorExtensions.UseTools"/> over it.</summary>
    public required ITraceGenerator Generator { get; init; }

    /// <summary>The model the generator runs, for its sampling defaults and context; default <c>Generator.GetService&lt;DecoderModel&gt;()</c> (null for remote or scripted generators).</summary>
    public DecoderModel? Model { get; init; }

    /// <summary>Scores continuations (step checks); default <c>Generator.GetService&lt;IContinuationScorer&gt;()</c>. Null: no step checks, the checker falls back to written critiques.</summary>
    public IContinuationScorer? Scorer { get; init; }

    /// <summary>Tokenizes verdict and step words for check scoring; default the model's, else <c>Generator.GetService&lt;ModelTokenizer&gt;()</c>. Null: checks score from the written tokens.</summary>
    public ModelTokenizer? Tokenizer { get; init; }

    /// <summary>
    /// The prompt set (solve, critique and revise templates, stop strings, and its <see cref="PromptSet.Checking"/>
    /// profile). Null: the plain <see cref="SelfConsistencyOptions.FormatDefaultPrompt"/> and no verification or
    /// refinement (those stages then pass the solution through).
    /// </summary>
    public PromptSet? Prompts { get; init; }

    /// <summary>Reads a trace's final answer. Default <see cref="MathAnswerExtractor"/>.</summary>
    public IAnswerExtractor Extractor
    {
        get;
        init => field = value ?? throw new ArgumentNullException(nameof(Extractor));
    } = new MathAnswerExtractor();

    /// <summary>Decides which answers are the same. Default <see cref="MathAnswerEquivalence.Instance"/>.</summary>
    public IAnswerEquivalence Equivalence
    {
        get;
        init => field = value ?? throw new ArgumentNullException(nameof(Equivalence));
    } = MathAnswerEquivalence.Instance;

    /// <summary>
    /// The one checker verification and refinement share. Null (default): the prompt set's
    /// <see cref="CheckingProfile.Checker"/> registered with <see cref="RegisterChecker"/>, or written critiques when it cannot
    /// run here (see <see cref="ResolveChecking"/>). Give it together with <see cref="Checking"/> to pin both.
    /// </summary>
    public ICandidateChecker? Checker { get; init; }

    /// <summary>The checking profile in effect; null (default): the prompt set's, or <see cref="CheckingProfile.Default"/> when its checker cannot run here.</summary>
    public CheckingProfile? Checking { get; init; }

    /// <summary>How written critiques are generated and scored; null (default): <see cref="ResolveCheckOptions"/> derives them from the prompt set and tokenizer.</summary>
    public CheckOptions? Check { get; init; }

    /// <summary>The clock deadlines are measured on. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider
    {
        get;
        init => field = value ?? throw new ArgumentNullException(nameof(TimeProvider));
    } = TimeProvider.System;

    /// <summary>Tools inside the decode loop for every stage's generations; null (default) for none.</summary>
    public ToolSet? Tools { get; init; }

    /// <summary>
    /// How the vote's traces are drawn. Null (default): <see cref="DefaultSampling"/>. The prompt set's stop strings are
    /// added either way.
    /// </summary>
    public SamplingOptions? Sampling { get; init; }

    /// <summary>The services for a loaded model: its generator, and the prompt set it names (<see cref="PromptSet.ForModel"/>).</summary>
    /// <param name="model">The model.</param>
    /// <param name="generator">The generator; default a new <see cref="OnnxTraceGenerator"/> over the model.</param>
    /// <param name="promptSet">A prompt set name; null for the folder's choice.</param>
    /// <exception cref="InvalidDataException">The prompt set is not found or is malformed.</exception>
    public static SolverServices For(DecoderModel model, ITraceGenerator? generator = null, string? promptSet = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new SolverServices { Generator = generator ?? new OnnxTraceGenerator(model), Model = model, Prompts = PromptSet.ForModel(model, promptSet) };
    }

    /// <summary>
    /// The generator every stage decodes on: <see cref="Generator"/> with <see cref="Tools"/> when given; a check or set of
    /// revisions cut at the deadline through it still counts what it generated.
    /// </summary>
    public ITraceGenerator Decoder => new CutCountingGenerator(Generator.UseTools(Tools));

    /// <summary>The model in effect (<see cref="Model"/>, else from the generator).</summary>
    public DecoderModel? ResolvedModel => Model ?? Generator.GetService<DecoderModel>();

    /// <summary>The scorer in effect (<see cref="Scorer"/>, else from the generator).</summary>
    public IContinuationScorer? ResolvedScorer => Scorer ?? Generator.GetService<IContinuationScorer>();

    /// <summary>The tokenizer in effect (<see cref="Tokenizer"/>, else the model's, else from the generator).</summary>
    public ModelTokenizer? ResolvedTokenizer => Tokenizer ?? Model?.Tokenizer ?? Generator.GetService<ModelTokenizer>();

    /// <summary>
    /// The sampling the vote draws with when <see cref="Sampling"/> is not set: the model folder's temperature, top_p
    /// and top_k (<see cref="DecoderModel.DefaultSampling"/>; <see cref="SamplingOptions"/>'s defaults without a
    /// model), and a new-token cap of the prompt set's <see cref="PromptSet.MaxNewTokens"/>, else the folder's
    /// <c>max_new_tokens</c>, else all of the context; always cut to the context (without a model: the prompt set's
    /// cap, else <see cref="SamplingOptions.MaxTokens"/>'s default). Stop strings: the prompt set's.
    /// </summary>
    public SamplingOptions DefaultSampling()
    {
        var model = ResolvedModel;
        var sampling = model?.Defaults.ApplyTo() ?? new SamplingOptions();
        if (Prompts?.MaxNewTokens is { } cap)
            sampling = sampling with { MaxTokens = model is null ? cap : Math.Min(cap, model.ContextLength) };
        return Prompts?.WithStopStrings(sampling) ?? sampling;
    }

    /// <summary>The vote's sampling: <see cref="Sampling"/> (with the prompt set's stop strings added) or <see cref="DefaultSampling"/>.</summary>
    public SamplingOptions ResolveSampling()
    {
        if (Sampling is not { } given) return DefaultSampling();
        if (Prompts is null) return given;
        var missing = Prompts.StopStrings.Where(s => !given.StopStrings.Contains(s)).ToArray();
        return missing.Length == 0 ? given : given with { StopStrings = [.. given.StopStrings, .. missing] };
    }

    /// <summary>The solve prompt for a question: the prompt set's, else <see cref="SelfConsistencyOptions.FormatDefaultPrompt"/>.</summary>
    public Func<string, string> PromptTemplate => Prompts is { } prompts ? prompts.Solve : SelfConsistencyOptions.FormatDefaultPrompt;

    /// <summary>
    /// How written checks are generated and scored: <see cref="Check"/> when given, else for this prompt set and tokenizer the verdict marker's tokens and,
    /// when the set names step words, their tokens after <see cref="PromptSet.StepWordContext"/>; sampling as
    /// <see cref="Verification.CheckOptions"/>'s defaults. Without a tokenizer, the defaults.
    /// </summary>
    /// <exception cref="InvalidOperationException">No <see cref="Prompts"/>.</exception>
    public CheckOptions ResolveCheckOptions()
    {
        if (Check is { } given) return given;
        var prompts = Prompts ?? throw new InvalidOperationException("Checks need a prompt set (SolverServices.Prompts).");
        return ResolvedTokenizer is { } tokenizer ? CheckOptionsFor(prompts, tokenizer.Encode) : new CheckOptions();
    }

    /// <summary>Check options from a prompt set and an encoder (see <see cref="ResolveCheckOptions"/>).</summary>
    internal static CheckOptions CheckOptionsFor(PromptSet prompts, Func<string, IReadOnlyList<int>> encode, CheckOptions? template = null)
    {
        var options = template ?? new CheckOptions();
        var steps = prompts.StepJudgements is { } words ? VerdictTokens.FromTokenizer(encode, prompts.StepWordContext, words.Ok, words.Wrong) : null;
        return options with
        {
            VerdictTokens = VerdictTokens.FromTokenizer(encode, VerdictParser.For(prompts).Marker),
            StepTokens = steps,
        };
    }

    /// <summary>
    /// The checker and profile verification and refinement use: <see cref="Checker"/> and <see cref="Checking"/> when
    /// given; else the prompt set's checker (<see cref="CheckingProfile.Checker"/>, registered with
    /// <see cref="RegisterChecker"/>) with its profile; when that checker cannot run here (step scores without a
    /// scorer), written critiques with <see cref="CheckingProfile.Default"/>.
    /// </summary>
    /// <returns>The checker, its profile, and whether the prompt set's checker had to be replaced by written critiques.</returns>
    /// <exception cref="InvalidOperationException">No <see cref="Prompts"/>, or the prompt set names a checker no provider registers.</exception>
    public (ICandidateChecker Checker, CheckingProfile Profile, bool FellBack) ResolveChecking()
    {
        var prompts = Prompts ?? throw new InvalidOperationException("Verification and refinement need a prompt set (SolverServices.Prompts).");
        var profile = Checking ?? prompts.Checking;
        if (Checker is { } given) return (given, profile, false);
        if (CandidateCheckers.Create(profile.Checker, profile.Provider, this) is { } made) return (made, profile, false);
        return (CandidateCheckers.Critique(this), CheckingProfile.Default, true);
    }

    /// <summary>
    /// Registers (or replaces) the checker a prompt set can name in <c>checking.checker</c>. The factory returns null
    /// when the checker cannot run with the services given (e.g. step scores without a scorer); the pipeline then checks
    /// with written critiques. A model package calls this when it loads (the arith assembly registers
    /// <c>step-scores</c> from a module initializer; <c>checking.provider</c> names the assembly to load).
    /// </summary>
    /// <param name="name">The checker's name.</param>
    /// <param name="factory">Makes the checker from a pipeline's services (once per built pipeline; must do no I/O).</param>
    public static void RegisterChecker(string name, Func<SolverServices, ICandidateChecker?> factory) => CandidateCheckers.Register(name, factory);

    /// <summary>
    /// Registers (or replaces) the revision source a prompt set's <c>checking.refinement.source</c> and
    /// <see cref="Refinement.RefinementOptions.Source"/> can name (<see cref="Refinement.RefinementOptions.RevisePrompt"/> is
    /// built in; a provider assembly registers the others from its module initializer, as InferenceScaling.Arith registers
    /// <c>continue-from-checked-steps</c>). Thread-safe.
    /// </summary>
    /// <param name="name">The source's name.</param>
    /// <param name="implementation">Its implementation (stateless and thread-safe).</param>
    public static void RegisterRevisionSource(string name, Refinement.IRevisionSource implementation) => Refinement.RevisionSources.Register(name, implementation);

    /// <inheritdoc />
    /// <remarks>Answers each service of this record by its type (the generator, model, scorer, tokenizer, prompt set,
    /// extractor, equivalence, checker, time provider, tools), then asks the generator.</remarks>
    public object? GetService(Type serviceType)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceType.IsInstanceOfType(this)) return this;
        object?[] own = [Generator, Model, Scorer, Tokenizer, Prompts, Extractor, Equivalence, Checker, Checking, TimeProvider, Tools];
        foreach (var service in own)
            if (service is not null && serviceType.IsInstanceOfType(service)) return service;
        return Generator.GetService(serviceType);
    }
}
