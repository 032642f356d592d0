namespace InferenceScaling.Remote;

/// <summary>
/// One serving endpoint and what the pool knows of it: requests in flight, consecutive failures, when a set-aside ends,
/// and what <c>/v1/models</c> said. Counters are guarded by the pool's lock.
/// </summary>
internal sealed class RemoteEndpoint
{
    public RemoteEndpoint(Uri address, int order)
    {
        var text = address.GetLeftPart(UriPartial.Path).TrimEnd('/');
        if (address.AbsolutePath is "" or "/") text += "/v1";
        Address = new Uri(text);
        BaseText = text + "/";
        Order = order;
    }

    /// <summary>The base URL (ending in <c>/v1</c> unless the user gave another path).</summary>
    public Uri Address { get; }

    /// <summary>Base URL with a trailing slash, for joining routes.</summary>
    public string BaseText { get; }

    /// <summary>Position in the user's list (ties in load go round-robin from here).</summary>
    public int Order { get; }

    /// <summary>Requests in flight (pool lock).</summary>
    public int Outstanding;

    /// <summary>Failures since the last success (pool lock).</summary>
    public int ConsecutiveFailures;

    /// <summary>Timestamp until which the endpoint is passed over; 0 when it is not set aside (pool lock).</summary>
    public long SetAsideUntil;

    /// <summary>Totals for statistics (Interlocked).</summary>
    public long Succeeded, Failed, GeneratedTokens;

    /// <summary>What <c>/v1/models</c> said, once it answered.</summary>
    public RemoteEndpointInfo? Info;

    /// <summary>Set once the endpoint answered 404 on <c>/v1/completions</c>: sample through chat from then on.</summary>
    public volatile bool LacksCompletions;

    /// <summary>Set once the endpoint showed it cannot score (no echo of the prompt's log-probs).</summary>
    public volatile bool CannotScore;

    public Uri Route(string path) => new(BaseText + path);

    public override string ToString() => Address.ToString();
}

/// <summary>What an endpoint's <c>/v1/models</c> said.</summary>
/// <param name="Model">The model id requests name.</param>
/// <param name="VllmLike">Whether it takes vLLM's extra fields (<c>top_k</c>, <c>min_p</c>, <c>return_tokens_as_token_ids</c>, <c>stop_reason</c>): vLLM, SGLang, InferenceScaling.</param>
internal sealed record RemoteEndpointInfo(string Model, bool VllmLike);
