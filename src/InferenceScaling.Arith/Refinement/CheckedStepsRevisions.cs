using InferenceScaling.Prompts;
using InferenceScaling.Refinement;
using InferenceScaling.Verification;

namespace InferenceScaling.Arith;

/// <summary>
/// <see cref="ArithProfile.ContinueFromCheckedSteps"/>: the solve prompt continued from the solution's steps before
/// the one the critique calls wrong, so the steps the check passed are kept and the model solves on from there (the
/// shipped model solves better than it fixes: fix 40% on hard problems). Falls back to the revise template when the
/// prompt set has no step pattern or the critique names no step the solution has. Registered by
/// <see cref="ArithProfile.Register"/>; stateless.
/// </summary>
internal sealed class CheckedStepsRevisions : IRevisionSource
{
    public static CheckedStepsRevisions Instance { get; } = new();

    public (string Prompt, string Kept) Draft(PromptSet prompts, string question, string solution, VerificationCheck critique)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(solution);
        ArgumentNullException.ThrowIfNull(critique);
        return CheckedPrefix(prompts, solution, critique.WrongStep) is { } kept
            ? (prompts.Solve(question) + kept, kept)
            : (prompts.Revise(question, solution.Trim(), critique.Text.Trim()), "");
    }

    /// <summary>
    /// The solution text before step <paramref name="wrongStep"/> (1-based; the steps by the prompt set's pattern), or
    /// null when there is no pattern, no wrong step, or the text has fewer steps.
    /// </summary>
    private static string? CheckedPrefix(PromptSet prompts, string solution, int? wrongStep)
    {
        if (prompts.StepPattern is not { } pattern || wrongStep is not { } k || k < 1) return null;
        var m = pattern.Match(solution);
        for (var i = 1; i < k && m.Success; i++) m = m.NextMatch();
        // Cut before the space ahead of the step: the model writes that space itself, as in its training text.
        return m.Success ? solution[..m.Index].TrimEnd() : null;
    }
}
