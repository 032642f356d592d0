using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using InferenceScaling.Sampling;

namespace InferenceScaling.Cli.Commands;

/// <summary>
/// Measurement aid for <c>eval-verify</c>: remembers greedy single-trace requests (checks) by prompt and token limit, so
/// strategies scored on the same pool do not decode the same check twice. Greedy decoding is deterministic, so a
/// cached trace is the trace the model would write again; callers still count its tokens as spent. Sampled requests
/// pass through.
/// </summary>
internal sealed class GreedyCache(ITraceGenerator inner) : DelegatingTraceGenerator(inner)
{
    /// <summary>(prompt, max tokens) → the greedy trace.</summary>
    private readonly ConcurrentDictionary<(string, int), Trace> _cache = new();

    public override async IAsyncEnumerable<Trace> GenerateAsync(TraceRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (request.Count != 1 || request.Sampling.Temperature != 0 || request.Control is not null)
        {
            await foreach (var t in InnerGenerator.GenerateAsync(request, cancellationToken).ConfigureAwait(false)) yield return t;
            yield break;
        }

        var key = (request.Prompt, request.Sampling.MaxTokens);
        if (!_cache.TryGetValue(key, out var trace))
        {
            await foreach (var t in InnerGenerator.GenerateAsync(request, cancellationToken).ConfigureAwait(false)) trace ??= t;
            if (trace is null) yield break;
            _cache[key] = trace;
        }

        yield return trace with { Index = request.FirstIndex };
    }
}
