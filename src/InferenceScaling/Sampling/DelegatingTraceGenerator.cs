namespace InferenceScaling.Sampling;

/// <summary>
/// A trace generator that wraps another and by default passes every call through: derive from it for wrappers that
/// count, cache or observe traces (the decorator pattern of Microsoft.Extensions.AI's <c>DelegatingChatClient</c>).
/// <see cref="GetService"/> answers with this wrapper first, then asks the inner generator, so a scorer or tokenizer
/// the inner generator holds is still found through any number of wrappers.
/// </summary>
public abstract class DelegatingTraceGenerator : ITraceGenerator
{
    /// <summary>Wraps <paramref name="innerGenerator"/>.</summary>
    /// <param name="innerGenerator">The generator calls are passed to.</param>
    /// <exception cref="ArgumentNullException"><paramref name="innerGenerator"/> is null.</exception>
    protected DelegatingTraceGenerator(ITraceGenerator innerGenerator)
    {
        ArgumentNullException.ThrowIfNull(innerGenerator);
        InnerGenerator = innerGenerator;
    }

    /// <summary>The wrapped generator.</summary>
    protected ITraceGenerator InnerGenerator { get; }

    /// <inheritdoc />
    public virtual IAsyncEnumerable<Trace> GenerateAsync(TraceRequest request, CancellationToken cancellationToken = default) =>
        InnerGenerator.GenerateAsync(request, cancellationToken);

    /// <inheritdoc />
    public virtual int CountTokens(string text) => InnerGenerator.CountTokens(text);

    /// <inheritdoc />
    public virtual object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is null && serviceType.IsInstanceOfType(this) ? this : InnerGenerator.GetService(serviceType, serviceKey);
    }
}
