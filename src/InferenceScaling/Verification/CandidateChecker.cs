using InferenceScaling.Prompts;
using InferenceScaling.Sampling;

namespace InferenceScaling.Verification;

/// <summary>Picks the checker a model and prompt set support best.</summary>
public static class CandidateChecker
{
    /// <summary>
    /// A <see cref="StepScoreChecker"/> when the set has step checks and a scorer is given (the shipped model: step
    /// scores beat its written critiques, see the class remarks); otherwise a <see cref="SolutionChecker"/> with
    /// <paramref name="check"/>.
    /// </summary>
    /// <param name="prompts">The prompt set.</param>
    /// <param name="generator">Generates critiques (and the failing step's value).</param>
    /// <param name="scorer">Scores continuations, or null when the runtime cannot.</param>
    /// <param name="check">Options of a written critique (<see cref="CheckOptions.For"/>).</param>
    public static ICandidateChecker For(PromptSet prompts, ITraceGenerator generator, IContinuationScorer? scorer, CheckOptions? check = null)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(generator);
        return scorer is not null && prompts.HasStepChecks
            ? new StepScoreChecker(scorer, generator, prompts)
            : new SolutionChecker(generator, prompts, check);
    }
}
