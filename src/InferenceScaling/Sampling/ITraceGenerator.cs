namespace InferenceScaling.Sampling;

/// <summary>
/// The seam every strategy stands on: turns one prompt into sampled traces. Implemented by the ONNX Runtime decoder,
/// by the continuous-batching scheduler, and by scripted fakes in tests.
/// </summary>
public interface ITraceGenerator
{
    /// <summary>
    /// Generates <see cref="TraceRequest.Count"/> traces and yields each as soon as it is final (in finishing order,
    /// not index order). Traces cancelled through <see cref="TraceRequest.Control"/> are yielded with
    /// <see cref="FinishReason.Cancelled"/>. Cancelling <paramref name="cancellationToken"/> stops all decoding within
    /// one step and throws <see cref="OperationCanceledException"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The request is invalid (empty prompt, bad sampling options, prompt longer than the model's context).</exception>
    IAsyncEnumerable<Trace> GenerateAsync(TraceRequest request, CancellationToken cancellationToken = default);

    /// <summary>Counts the prompt's tokens as this generator would see them (for budgets and usage reports).</summary>
    int CountTokens(string text);
}
