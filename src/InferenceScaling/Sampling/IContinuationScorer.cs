namespace InferenceScaling.Sampling;

/// <summary>
/// The scoring seam: how likely the model finds a given continuation of a prompt (teacher forcing: one forward pass
/// over prompt + continuation, no sampling). Verifiers use it to read the model's belief in a written claim without
/// generating. Implemented by the ONNX Runtime decoder and by scripted fakes in tests.
/// </summary>
public interface IContinuationScorer
{
    /// <summary>Scores each continuation under its prompt. The results are in the order of <paramref name="items"/>.</summary>
    /// <param name="items">The prompts and continuations.</param>
    /// <param name="cancellationToken">Cancels the scoring; the call then throws <see cref="OperationCanceledException"/>.</param>
    /// <exception cref="ArgumentException">An item is invalid (empty prompt or continuation, or longer than the model's context).</exception>
    Task<IReadOnlyList<ContinuationScore>> ScoreAsync(IReadOnlyList<Continuation> items, CancellationToken cancellationToken = default);
}
