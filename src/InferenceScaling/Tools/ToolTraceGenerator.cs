using InferenceScaling.Sampling;

namespace InferenceScaling.Tools;

/// <summary>
/// Decodes every request with a <see cref="ToolSet"/>'s tools: a request without an
/// <see cref="TraceRequest.Injector"/> is passed on with <see cref="ToolSet.Factory"/>, so sampling, verification and
/// refinement all decode with the same tools. A request that brings its own injector keeps it. Thread-safe when the
/// inner generator is.
/// </summary>
internal sealed class ToolTraceGenerator : DelegatingTraceGenerator
{
    /// <summary>Wraps <paramref name="inner"/> so its requests decode with <paramref name="tools"/>.</summary>
    public ToolTraceGenerator(ITraceGenerator inner, ToolSet tools)
        : base(inner)
    {
        ArgumentNullException.ThrowIfNull(tools);
        Tools = tools;
    }

    /// <summary>The tools.</summary>
    public ToolSet Tools { get; }

    /// <inheritdoc />
    /// <remarks>Also answers <see cref="ToolSet"/> with <see cref="Tools"/>, so a pipeline can tell its prompts which tools the model has (<see cref="Prompts.PromptSet.WithTools"/>).</remarks>
    public override object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is null && serviceType == typeof(ToolSet) ? Tools : base.GetService(serviceType, serviceKey);
    }

    /// <inheritdoc />
    public override IAsyncEnumerable<Trace> GenerateAsync(TraceRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return InnerGenerator.GenerateAsync(request.Injector is null ? request with { Injector = Tools.Factory } : request, cancellationToken);
    }
}
