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

    /// <summary>
    /// Asks the generator for an object of <paramref name="serviceType"/> it holds or is: the model, its tokenizer, a
    /// continuation scorer over the same model, or an inner generator of a wrapper (as <c>IChatClient.GetService</c>).
    /// Lets a pipeline find its scorer and tokenizer from the generator alone. The default returns this generator when
    /// it is of that type and no key is given, else null; implementations add what they hold.
    /// </summary>
    /// <param name="serviceType">The type asked for.</param>
    /// <param name="serviceKey">An optional key; null for the unkeyed service.</param>
    /// <returns>The object, or null when the generator has none of that type.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="serviceType"/> is null.</exception>
    object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;
    }
}
