using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using InferenceScaling.Sampling;

namespace InferenceScaling.Cli.Commands;

/// <summary>
/// Measurement aid for <c>eval-verify</c>: remembers the traces of each distinct request (prompt, sampling with its
/// seed, first index, count) and replays them, in the order they first came, when the same request comes again, so
/// strategies compared on the same draws (the sweep's pool, each live strategy's vote, the same greedy check) decode
/// it once. Decoding is deterministic for a seeded request (row i's random stream depends only on the seed and i, and a
/// row decodes alike in any batch), so a replayed trace is the trace the model would write again; callers still count
/// its tokens as spent. Requests with tools, or with a control that stops traces on low confidence, pass through.
/// </summary>
internal sealed class RequestCache(ITraceGenerator inner) : DelegatingTraceGenerator(inner)
{
    /// <summary>(prompt, sampling, first index, count) → the traces in the order they were yielded.</summary>
    private readonly ConcurrentDictionary<(string, SamplingOptions, int, int), Trace[]> _cache = new();

    public override async IAsyncEnumerable<Trace> GenerateAsync(TraceRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (request.Injector is not null || request.Control?.MinWindowConfidence is not null)
        {
            await foreach (var t in InnerGenerator.GenerateAsync(request, cancellationToken).ConfigureAwait(false)) yield return t;
            yield break;
        }

        var key = (request.Prompt, request.Sampling, request.FirstIndex, request.Count);
        if (!_cache.TryGetValue(key, out var traces))
        {
            var list = new List<Trace>(request.Count);
            await foreach (var t in InnerGenerator.GenerateAsync(request, cancellationToken).ConfigureAwait(false)) list.Add(t);
            // A request cut short (cancelled traces) is not a full draw: keep it out of the cache.
            if (list.Count == request.Count && list.TrueForAll(t => t.FinishReason != FinishReason.Cancelled)) _cache[key] = [.. list];
            traces = [.. list];
        }

        foreach (var t in traces) yield return t;
    }
}
