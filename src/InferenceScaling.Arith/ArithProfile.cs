using System.Runtime.CompilerServices;
using InferenceScaling.Refinement;
using InferenceScaling.Solving;
using InferenceScaling.Verification;

namespace InferenceScaling.Arith;

/// <summary>
/// The arith prompt set's binding: registers the <c>step-scores</c> checker its <c>prompt-set.json</c> names
/// (<c>checking.checker</c>), so the solver builder can make a <see cref="StepScoreChecker"/> without the core knowing
/// the arith format. The settings measured for it (unchecked score, refinement policy, checks per sample) are data in
/// <c>prompts/arith/prompt-set.json</c>'s <c>checking</c> section, not code here.
/// </summary>
public static class ArithProfile
{
    /// <summary>The checker name <c>prompts/arith</c> uses: the model's belief in each written step (<see cref="StepScoreChecker"/>).</summary>
    public const string StepScores = "step-scores";

    /// <summary>
    /// The revision source <c>prompts/arith</c> uses: the solve prompt continued from the current solution's steps before
    /// the one the critique calls wrong, so the steps the check passed are kept and the model solves on from there. Needs
    /// a prompt set with a <see cref="Prompts.PromptSet.StepPattern"/> and a critique that names the wrong step; otherwise
    /// the round falls back to the revise template.
    /// </summary>
    public const string ContinueFromCheckedSteps = "continue-from-checked-steps";

    /// <summary>
    /// Registers <see cref="StepScores"/> with <see cref="SolverServices.RegisterChecker"/> and continuing from the checked steps
    /// (<see cref="ContinueFromCheckedSteps"/>) with <see cref="SolverServices.RegisterRevisionSource"/>. Runs when this assembly loads; the
    /// builder loads it when a prompt set names it as <c>checking.provider</c>. Calling it again is harmless.
    /// </summary>
#pragma warning disable CA2255 // A provider assembly registers its checkers on load: that is what the prompt set's "provider" relies on.
    [ModuleInitializer]
#pragma warning restore CA2255
    public static void Register()
    {
        SolverServices.RegisterChecker(StepScores, StepScoreCheckerFor);
        SolverServices.RegisterRevisionSource(ContinueFromCheckedSteps, CheckedStepsRevisions.Instance);
    }

    /// <summary>
    /// A <see cref="StepScoreChecker"/> over the services' scorer, decoder and prompt set; null when there is no scorer
    /// (a remote endpoint that cannot score, a scripted generator), so the pipeline checks with written critiques.
    /// </summary>
    /// <param name="services">The pipeline's services.</param>
    /// <exception cref="ArgumentException">The prompt set has no step checks (a <c>prompt-set.json</c> that names <c>step-scores</c> without <c>calc_prompt</c>).</exception>
    public static ICandidateChecker? StepScoreCheckerFor(SolverServices services)
    {
        ArgumentNullException.ThrowIfNull(services);
        var prompts = services.Prompts ?? throw new ArgumentException("Step scores need a prompt set.", nameof(services));
        return services.ResolvedScorer is { } scorer ? new StepScoreChecker(scorer, services.Decoder, prompts) : null;
    }
}
