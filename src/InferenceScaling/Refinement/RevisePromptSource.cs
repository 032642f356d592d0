using InferenceScaling.Prompts;
using InferenceScaling.Verification;

namespace InferenceScaling.Refinement;

/// <summary>The prompt set's revise template (question, solution, critique): the model rewrites the whole solution.</summary>
internal sealed class RevisePromptSource : IRevisionSource
{
    public static RevisePromptSource Instance { get; } = new();

    public (string Prompt, string Kept) Draft(PromptSet prompts, string question, string solution, VerificationCheck critique) =>
        (prompts.Revise(question, solution.Trim(), critique.Text.Trim()), "");
}
