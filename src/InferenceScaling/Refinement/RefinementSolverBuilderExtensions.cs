using InferenceScaling.Answers;
using InferenceScaling.Prompts;
using InferenceScaling.Sampling;
using InferenceScaling.Solving;
using InferenceScaling.Verification;

namespace InferenceScaling.Refinement;

/// <summary>Adds a <see cref="RefinementSolver"/> stage to a <see cref="SolverBuilder"/>.</summary>
public static class RefinementSolverBuilderExtensions
{
    /// <summary>
    /// Adds gated self-refinement (see <see cref="RefinementSolver"/>) with the services' generator, prompt set,
    /// extractor, equivalence and one checker. The budget's <see cref="Budget.MaxRefinementRounds"/> decides how many
    /// rounds may run; 0 passes the solution through. It wraps verification (when added) wherever it is added, so it
    /// refines the verified answer; adding it again replaces its settings.
    /// </summary>
    /// <param name="builder">The builder (with services that include a prompt set).</param>
    /// <param name="configure">Adjusts the settings, starting from the checking profile's
    /// (<see cref="CheckingProfile.Refinement"/>); null keeps them.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="InvalidOperationException">At <see cref="SolverBuilder.Build"/>: the builder has no services or no prompt set.</exception>
    public static SolverBuilder UseRefinement(this SolverBuilder builder, Func<RefinementOptions, RefinementOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.UseStage(PipelinePlace.Refinement, (inner, services) =>
        {
            var (checker, profile, _) = services.ResolveChecking();
            var options = configure is null ? profile.Refinement : configure(profile.Refinement) ?? throw new InvalidOperationException("UseRefinement's configure returned null.");
            return new RefinementSolver(inner, services.Decoder, services.Prompts!, services.Extractor, services.Equivalence, options, checker, services.TimeProvider);
        });
    }

    /// <summary>
    /// Adds gated self-refinement without services (a stage of its own, as
    /// <see cref="SolverBuilder.Use(Func{ISolver, ISolver})"/>; it still runs after verification). Prefer
    /// <c>UseRefinement()</c> over services, which shares one checker with verification.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="generator">Generates critiques and revisions.</param>
    /// <param name="prompts">The prompt set.</param>
    /// <param name="extractor">Reads revised answers (the inner solver's).</param>
    /// <param name="equivalence">Groups answers (the inner solver's).</param>
    /// <param name="options">Settings; default <see cref="RefinementOptions"/>'s defaults.</param>
    /// <param name="checker">Critiques and confirms; default a <see cref="SolutionChecker"/> (see <see cref="RefinementSolver"/>).</param>
    /// <returns>The builder.</returns>
    public static SolverBuilder UseRefinement(
        this SolverBuilder builder,
        ITraceGenerator generator,
        PromptSet prompts,
        IAnswerExtractor extractor,
        IAnswerEquivalence equivalence,
        RefinementOptions? options = null,
        ICandidateChecker? checker = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(extractor);
        ArgumentNullException.ThrowIfNull(equivalence);
        return builder.Use(inner => new RefinementSolver(inner, generator, prompts, extractor, equivalence, options, checker));
    }
}
