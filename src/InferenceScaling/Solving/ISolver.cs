namespace InferenceScaling.Solving;

/// <summary>
/// Answers a question within a budget. The pipeline seam: the self-consistency sampler votes; later stages
/// (verification, refinement, or a stage of your own added with <see cref="SolverBuilder.Use(Func{ISolver, ISolver})"/>)
/// wrap it, each an <see cref="ISolver"/> that calls the one inside, composed with <see cref="SolverBuilder"/>.
/// </summary>
public interface ISolver
{
    /// <summary>Solves <paramref name="question"/>, spending at most what <paramref name="budget"/> allows.</summary>
    /// <param name="question">The question, unformatted (the solver applies its prompt template).</param>
    /// <param name="budget">What the answer may cost.</param>
    /// <param name="cancellationToken">Cancels the work; the call then throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The answer with its vote, traces and usage.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The budget is invalid.</exception>
    Task<Solution> SolveAsync(string question, Budget budget, CancellationToken cancellationToken = default);
}
