using InferenceScaling.Tools;

namespace InferenceScaling.Sampling;

/// <summary>Conveniences over <see cref="ITraceGenerator"/>.</summary>
public static class TraceGeneratorExtensions
{
    /// <summary>Asks <paramref name="generator"/> for a <typeparamref name="TService"/> (see <see cref="ITraceGenerator.GetService"/>).</summary>
    /// <typeparam name="TService">The type asked for.</typeparam>
    /// <param name="generator">The generator.</param>
    /// <param name="serviceKey">An optional key.</param>
    /// <returns>The service, or null when the generator has none.</returns>
    public static TService? GetService<TService>(this ITraceGenerator generator, object? serviceKey = null)
        where TService : class
    {
        ArgumentNullException.ThrowIfNull(generator);
        return generator.GetService(typeof(TService), serviceKey) as TService;
    }

    /// <summary>Generates all traces of <paramref name="request"/> and returns them in index order.</summary>
    /// <param name="generator">The generator.</param>
    /// <param name="request">What to generate.</param>
    /// <param name="cancellationToken">Stops generation.</param>
    /// <returns>The traces, sorted by <see cref="Trace.Index"/>.</returns>
    public static async Task<IReadOnlyList<Trace>> GenerateAllAsync(this ITraceGenerator generator, TraceRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(request);
        var list = new List<Trace>(request.Count);
        await foreach (var t in generator.GenerateAsync(request, cancellationToken).ConfigureAwait(false)) list.Add(t);
        list.Sort(static (a, b) => a.Index.CompareTo(b.Index));
        return list;
    }

    /// <summary>Generates the trace of a one-trace request (checks, calculations) and returns it.</summary>
    /// <param name="generator">The generator.</param>
    /// <param name="request">What to generate; its <see cref="TraceRequest.Count"/> should be 1 (the first trace yielded is returned).</param>
    /// <param name="cancellationToken">Stops generation.</param>
    /// <exception cref="InvalidOperationException">The generator yielded no trace.</exception>
    public static async Task<Trace> GenerateOneAsync(this ITraceGenerator generator, TraceRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(request);
        Trace? trace = null;
        await foreach (var t in generator.GenerateAsync(request, cancellationToken).ConfigureAwait(false)) trace ??= t;
        return trace ?? throw new InvalidOperationException($"The trace generator returned no trace for the prompt '{request.Prompt}'.");
    }

    /// <summary>
    /// <paramref name="generator"/> with <paramref name="tools"/> inside its decode loop (a <see cref="ToolTraceGenerator"/>);
    /// with null tools, the generator itself.
    /// </summary>
    /// <param name="generator">The generator.</param>
    /// <param name="tools">The tools to offer, or null.</param>
    public static ITraceGenerator UseTools(this ITraceGenerator generator, ToolSet? tools)
    {
        ArgumentNullException.ThrowIfNull(generator);
        return tools is null ? generator : new ToolTraceGenerator(generator, tools);
    }
}
