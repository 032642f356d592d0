using InferenceScaling.Prompts;
using InferenceScaling.Verification;

namespace InferenceScaling.Refinement;

/// <summary>
/// Where a refinement round's revisions come from: the prompt they are sampled from, given the solution and the
/// critique that called it wrong. The revise prompt is built in; continuing from the checked steps is supplied by
/// InferenceScaling.Arith (<see cref="RevisionSources"/>). Implementations are stateless and thread-safe.
/// </summary>
public interface IRevisionSource
{
    /// <summary>The prompt to sample revisions from, and the text each revision continues.</summary>
    /// <param name="prompts">The pipeline's prompt set.</param>
    /// <param name="question">The question.</param>
    /// <param name="solution">The current solution, as the model wrote it.</param>
    /// <param name="critique">The critique that called it wrong.</param>
    /// <returns>The prompt, and the text kept in front of each revision ("" when a revision writes a whole solution).</returns>
    (string Prompt, string Kept) Draft(PromptSet prompts, string question, string solution, VerificationCheck critique);
}
