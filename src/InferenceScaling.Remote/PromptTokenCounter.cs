using System.Collections.Concurrent;

namespace InferenceScaling.Remote;

/// <summary>
/// Token counts for budgets: the local tokenizer when one was given, else what endpoints reported in <c>usage</c>
/// for that exact text, else an estimate (UTF-8 bytes / 4). Thread-safe.
/// </summary>
internal sealed class PromptTokenCounter(Func<string, int>? local)
{
    /// <summary>Past this many remembered prompts the memory starts over (a sweep has a few prompt forms per problem).</summary>
    private const int Capacity = 4096;

    /// <summary>Prompt → the endpoint's <c>usage.prompt_tokens</c>.</summary>
    private readonly ConcurrentDictionary<string, int> _reported = new(StringComparer.Ordinal);

    public bool HasTokenizer => local is not null;

    public int Count(string text)
    {
        if (local is not null) return local(text);
        return _reported.TryGetValue(text, out var n) ? n : EndpointPool.EstimateTokens(text);
    }

    public void Report(string prompt, int tokens)
    {
        if (local is not null || tokens <= 0) return;
        if (_reported.Count >= Capacity) _reported.Clear();
        _reported[prompt] = tokens;
    }
}
