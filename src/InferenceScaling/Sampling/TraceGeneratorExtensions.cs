namespace InferenceScaling.Sampling;

/// <summary>Conveniences over <see cref="ITraceGenerator"/>.</summary>
public static class TraceGeneratorExtensions
{
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
}
