using InferenceScaling.Prompts;
using InferenceScaling.Sampling;
using InferenceScaling.Solving;

namespace InferenceScaling.Verification;

/// <summary>Adds a <see cref="VerificationSolver"/> stage to a <see cref="SolverBuilder"/>.</summary>
public static class VerificationSolverBuilderExtensions
{
    /// <summary>
    /// Adds verify-and-select: checks the inner solution's candidate answers with the model's critique skill and
    /// re-ranks them (see <see cref="VerificationSolver"/>). The budget's <see cref="Budget.MaxVerifications"/> decides
    /// how many checks run; 0 passes the solution through.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="generator">Generates the checks.</param>
    /// <param name="prompts">The prompt set (critique template and verdicts).</param>
    /// <param name="options">Settings; default <see cref="VerificationOptions"/>'s defaults (verifier-weighted, greedy checks).</param>
    /// <returns>The builder.</returns>
    public static SolverBuilder UseVerification(this SolverBuilder builder, ITraceGenerator generator, PromptSet prompts, VerificationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(prompts);
        return builder.Use(inner => new VerificationSolver(inner, generator, prompts, options));
    }

    /// <summary>Adds verify-and-select with a checker of your choice (e.g. <c>StepScoreChecker</c>).</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="checker">Checks the candidates.</param>
    /// <param name="options">Settings; default <see cref="VerificationOptions"/>'s defaults.</param>
    /// <returns>The builder.</returns>
    public static SolverBuilder UseVerification(this SolverBuilder builder, ICandidateChecker checker, VerificationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(checker);
        return builder.Use(inner => new VerificationSolver(inner, checker, options));
    }
}
