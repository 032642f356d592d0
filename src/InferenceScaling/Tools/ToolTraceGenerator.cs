using InferenceScaling.Sampling;

namespace InferenceScaling.Tools;

/// <summary>
/// Decodes every request with a <see cref="ToolSet"/>'s tools: a request without an
/// <see cref="TraceRequest.Injector"/> is passed on with <see cref="ToolSet.Factory"/>, so sampling, verification and
/// refinement all decode with the same tools. A request that brings its own injector keeps it. Thread-safe when the
/// inner generator is.
/// </summary>
public sealed class ToolTraceGenerator : ITraceGenerator
{
    /// <summary>The generator that decodes.</summary>
    private readonly ITraceGenerator _inner;

    /// <summary>Wraps <paramref name="inner"/> so its requests decode with <paramref name="tools"/>.</summary>
    public ToolTraceGenerator(ITraceGenerator inner, ToolSet tools)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(tools);
        _inner = inner;
        Tools = tools;
    }

    /// <summary>The tools.</summary>
    public ToolSet Tools { get; }

    /// <inheritdoc />
    public int CountTokens(string text) => _inner.CountTokens(text);

    /// <inheritdoc />
    public IAsyncEnumerable<Trace> GenerateAsync(TraceRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return _inner.GenerateAsync(request.Injector is null ? request with { Injector = Tools.Factory } : request, cancellationToken);
    }
}
