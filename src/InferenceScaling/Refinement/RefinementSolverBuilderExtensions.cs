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
    /// Adds gated self-refinement (see <see cref="RefinementSolver"/>). The budget's
    /// <see cref="Budget.MaxRefinementRounds"/> decides how many rounds may run; 0 passes the solution through. Add it
    /// before <c>UseVerification</c> so that verification runs first and refinement reuses its checks.
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
