using System.Collections.Concurrent;
using System.Globalization;

namespace InferenceScaling.Remote;

/// <summary>
/// Token ids for remote traces. vLLM-like endpoints are asked for <c>return_tokens_as_token_ids</c> and answer
/// <c>"token_id:123"</c>: the model's own ids. Other endpoints answer token strings, which are numbered here in order
/// of first sight (stable for this backend's lifetime, not the model's ids). Thread-safe.
/// </summary>
internal sealed class RemoteVocabulary
{
    private const string IdPrefix = "token_id:";

    /// <summary>Ids given to token strings, from <see cref="FirstInternedId"/> up so they never meet real ids.</summary>
    private readonly ConcurrentDictionary<string, int> _interned = new(StringComparer.Ordinal);

    /// <summary>Interned ids start here, above any real vocabulary.</summary>
    public const int FirstInternedId = 1 << 30;

    private int _next = FirstInternedId;

    /// <summary>The id of a token as an endpoint wrote it.</summary>
    public int Id(string token)
    {
        if (token.StartsWith(IdPrefix, StringComparison.Ordinal)
            && int.TryParse(token.AsSpan(IdPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var id)) return id;
        return _interned.GetOrAdd(token, _ => Interlocked.Increment(ref _next) - 1);
    }
}
