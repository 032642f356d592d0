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

    /// <summary>
    /// Wraps this solver as an <see cref="IChatClient"/>: the last user message is the question; the response's text is
    /// the winning trace (or the bare answer when the winner's trace is not available); <see cref="ChatResponse.Usage"/>
    /// holds prompt and generated tokens (and <c>forward_passes</c>, <c>samples</c> in its additional counts). Streaming
    /// yields the final response as one update. Does not own the solver; thread-safe if the solver is.
    /// </summary>
    /// <remarks>
    /// <para>A call's budget is <c>"budget"</c> in <see cref="ChatOptions.AdditionalProperties"/> (a <see cref="Budget"/>
    /// or a string for <see cref="Budget.Parse"/>), else <paramref name="defaultBudget"/>.</para>
    /// <para>The response's <see cref="ChatResponse.AdditionalProperties"/>: <c>answer</c> (string or null),
    /// <c>vote_share</c> and <c>confidence</c> (double), <c>distribution</c> (the answer groups, winner first),
    /// <c>stop_reason</c> (the <see cref="StopReason"/> name), <c>traces_drawn</c>, <c>traces_cancelled</c>,
    /// <c>traces_unanswered</c> (int) and <c>solution</c> (the whole <see cref="Solution"/>).</para>
    /// <para>Only the last user message reaches a fixed solver, so a call that sets sampling options (temperature, top-p,
    /// max output tokens, stop sequences, seed) is refused rather than answered with settings it did not ask for; use
    /// the <see cref="AsChatClient(SolverServices, Action{SolverBuilder}?, Budget?)"/> form for those.</para>
    /// </remarks>
    /// <param name="solver">The solver.</param>
    /// <param name="defaultBudget">Budget used when a request names none; default <see cref="Budget.Balanced"/>.</param>
    /// <returns>The chat client.</returns>
    public static IChatClient AsChatClient(this ISolver solver, Budget? defaultBudget = null) => new SelfConsistencyChatClient(solver, defaultBudget);

    /// <summary>
    /// An <see cref="IChatClient"/> that builds the pipeline for each call from these services: the call's
    /// <see cref="ChatOptions"/> (temperature, top-p, max output tokens, stop sequences added to the prompt set's, seed)
    /// over <see cref="SolverServices.ResolveSampling"/>, and the conversation before the last user message (system and
    /// history) bound into the prompt set's chat template (<see cref="PromptSet.WithHistory"/>; plain prompt sets ask
    /// the question alone). Budgets and response properties as in <see cref="AsChatClient(ISolver, Budget?)"/>.
    /// </summary>
    /// <param name="services">What every call's pipeline shares.</param>
    /// <param name="configure">Adds stages and settings to each call's builder; null for self-consistency alone.</param>
    /// <param name="defaultBudget">Budget used when a request names none; default <see cref="Budget.Balanced"/>.</param>
    /// <returns>The chat client.</returns>
    public static IChatClient AsChatClient(this SolverServices services, Action<SolverBuilder>? configure = null, Budget? defaultBudget = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        return new SelfConsistencyChatClient(
            (sampling, history) => (services with
            {
                Sampling = sampling,
                Prompts = history.Count == 0 ? services.Prompts : services.Prompts?.WithHistory(history),
            }).AsSolver(configure),
            services.ResolveSampling(),
            defaultBudget);
    }
}
