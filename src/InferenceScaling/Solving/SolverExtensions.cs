using InferenceScaling.Prompts;
using InferenceScaling.Runtime;
using InferenceScaling.Sampling;
using Microsoft.Extensions.AI;

namespace InferenceScaling.Solving;

/// <summary>Convenience methods on <see cref="ISolver"/>, and the entry points that make one from a model or generator.</summary>
public static class SolverExtensions
{
    /// <summary>Starts a <see cref="SolverBuilder"/> around this solver.</summary>
    /// <param name="solver">The innermost solver.</param>
    /// <param name="services">What the stages share; needed by <c>UseVerification()</c> and <c>UseRefinement()</c>.</param>
    /// <returns>The builder.</returns>
    public static SolverBuilder AsBuilder(this ISolver solver, SolverServices? services = null) => new(solver, services);

    /// <summary>
    /// The solver for a loaded model: self-consistency on a new <see cref="OnnxTraceGenerator"/> with the prompt set
    /// the folder names (<see cref="PromptSet.ForModel"/>) and the folder's sampling defaults
    /// (<see cref="SolverServices.DefaultSampling"/>), plus the stages <paramref name="configure"/> adds:
    /// <c>model.AsSolver(b =&gt; b.UseVerification().UseRefinement())</c>. The model must outlive the solver.
    /// </summary>
    /// <param name="model">The loaded model.</param>
    /// <param name="configure">Adds stages and settings; null for self-consistency alone.</param>
    /// <returns>The pipeline.</returns>
    /// <exception cref="InvalidDataException">The model's prompt set is not found or is malformed.</exception>
    public static ISolver AsSolver(this DecoderModel model, Action<SolverBuilder>? configure = null) =>
        SolverServices.For(model).AsSolver(configure);

    /// <summary>
    /// The solver over a generator: the model and prompt set found from it (<see cref="ITraceGenerator.GetService"/>;
    /// without a model, the plain <c>Q: …\nA:</c> prompt and no prompt set), plus the stages <paramref name="configure"/> adds.
    /// </summary>
    /// <param name="generator">Draws every trace.</param>
    /// <param name="configure">Adds stages and settings; null for self-consistency alone.</param>
    /// <returns>The pipeline.</returns>
    public static ISolver AsSolver(this ITraceGenerator generator, Action<SolverBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(generator);
        var model = generator.GetService<DecoderModel>();
        return (model is null ? new SolverServices { Generator = generator } : SolverServices.For(model, generator)).AsSolver(configure);
    }

    /// <summary>The solver over these services, with the stages <paramref name="configure"/> adds.</summary>
    /// <param name="services">What the stages share.</param>
    /// <param name="configure">Adds stages and settings; null for self-consistency alone.</param>
    /// <returns>The pipeline.</returns>
    public static ISolver AsSolver(this SolverServices services, Action<SolverBuilder>? configure = null)
    {
        var builder = new SolverBuilder(services);
        configure?.Invoke(builder);
        return builder.Build();
    }

    /// <summary>Wraps this solver as an <see cref="IChatClient"/> (see <see cref="SelfConsistencyChatClient"/>).</summary>
    /// <param name="solver">The solver.</param>
    /// <param name="defaultBudget">Budget used when a request names none; default <see cref="Budget.Balanced"/>.</param>
    /// <returns>The chat client.</returns>
    public static IChatClient AsChatClient(this ISolver solver, Budget? defaultBudget = null) => new SelfConsistencyChatClient(solver, defaultBudget);
}
