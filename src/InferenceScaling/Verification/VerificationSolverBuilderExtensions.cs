using InferenceScaling.Prompts;
using InferenceScaling.Sampling;
using InferenceScaling.Solving;

namespace InferenceScaling.Verification;

/// <summary>Adds a <see cref="VerificationSolver"/> stage to a <see cref="SolverBuilder"/>.</summary>
public static class VerificationSolverBuilderExtensions
{
    /// <summary>
    /// Adds verify-and-select: checks the vote's distinct candidate answers with the services' one checker (the prompt
    /// set's <see cref="CheckingProfile.Checker"/>, see <see cref="SolverServices.ResolveChecking"/>) and re-ranks them
    /// (see <see cref="VerificationSolver"/>). The budget's <see cref="Budget.MaxVerifications"/> decides how many checks
    /// run; 0 passes the solution through. It wraps the vote wherever it is added; adding it again replaces its settings.
    /// </summary>
    /// <param name="builder">The builder (with services that include a prompt set).</param>
    /// <param name="configure">Adjusts the settings, starting from the checking profile's
    /// (<see cref="CheckingProfile.Verification"/>); null keeps them.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="InvalidOperationException">At <see cref="SolverBuilder.Build"/>: the builder has no services or no prompt set.</exception>
    public static SolverBuilder UseVerification(this SolverBuilder builder, Func<VerificationOptions, VerificationOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.UseStage(PipelinePlace.Verification, (inner, services) =>
        {
            var (checker, profile, _) = services.ResolveChecking();
            var options = configure is null ? profile.Verification : configure(profile.Verification) ?? throw new InvalidOperationException("UseVerification's configure returned null.");
            return new VerificationSolver(inner, checker, options, services.TimeProvider);
        });
    }

    /// <summary>
    /// Adds verify-and-select with written critiques from <paramref name="generator"/>, without services (a stage of
    /// its own, as <see cref="SolverBuilder.Use(Func{ISolver, ISolver})"/>; it still runs after the vote and before
    /// refinement). Prefer <c>UseVerification()</c> over services, which shares one checker with refinement.
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

    /// <summary>Adds verify-and-select with a checker of your choice, without services (a stage of its own; it still runs after the vote).</summary>
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
