namespace InferenceScaling.Remote;

/// <summary>
/// Where and how to reach OpenAI-compatible serving engines (vLLM, SGLang, llama.cpp's server, hosted APIs, or another
/// <c>infscale serve</c>). Immutable; copy with <c>with</c>. Validated by <see cref="Validate"/>.
/// </summary>
public sealed record RemoteBackendOptions
{
    /// <summary>
    /// Base URLs of the endpoints, e.g. <c>http://host:8000/v1</c> (a URL without a path gets <c>/v1</c>). Traces are
    /// spread over them by least outstanding requests. At least one is required.
    /// </summary>
    public required IReadOnlyList<Uri> Endpoints { get; init; }

    /// <summary>Sent as <c>Authorization: Bearer &lt;key&gt;</c> when set. Default none.</summary>
    public string? ApiKey { get; init; }

    /// <summary>The <c>model</c> field of every request; null (default) takes the first model each endpoint lists at <c>/v1/models</c>.</summary>
    public string? Model { get; init; }

    /// <summary>Which route samples traces. Default <see cref="RemoteApi.Auto"/>.</summary>
    public RemoteApi Api { get; init; } = RemoteApi.Auto;

    /// <summary>Most requests in flight on one endpoint; further traces wait for a slot. Default 16.</summary>
    public int MaxConcurrencyPerEndpoint { get; init; } = 16;

    /// <summary>Longest wait for a TCP connection (used when the backend builds its own HTTP handler). Default 10 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Longest wait for the response headers or for the next chunk of a stream; past it the request counts as failed
    /// and is retried. Default 120 s (a loaded engine may queue a request for a while before its first token).
    /// </summary>
    public TimeSpan ReadTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Attempts per trace or scoring call before it fails with <see cref="RemoteBackendException"/>. Default 5.</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>First retry delay; doubled per attempt up to <see cref="RetryMaxDelay"/> unless the endpoint sends <c>Retry-After</c>. Default 0.5 s.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Longest delay between attempts (a longer <c>Retry-After</c> is cut to it). Default 30 s.</summary>
    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Consecutive failures after which an endpoint is set aside (used only when no other endpoint has room). Default 3.</summary>
    public int FailuresToSetAside { get; init; } = 3;

    /// <summary>How long a set-aside endpoint is passed over before it is tried again. Default 30 s.</summary>
    public TimeSpan SetAsideTime { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Most log-probabilities asked per token (<c>logprobs</c> on completions, <c>top_logprobs</c> on chat). vLLM's
    /// default cap is 20; OpenAI's legacy completions cap is 5. Default 20.
    /// </summary>
    public int MaxLogProbs { get; init; } = 20;

    /// <summary>
    /// Counts tokens with the model's own tokenizer (<c>--tokenizer DIR</c>). Null (default): the endpoints' <c>usage</c>
    /// figures, and an estimate (UTF-8 bytes / 4) for a text no endpoint has counted yet.
    /// </summary>
    public Func<string, int>? CountTokens { get; init; }

    /// <summary>The clock for timeouts, backoff and set-aside periods. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public RemoteBackendOptions Validate()
    {
        if (Endpoints is null || Endpoints.Count == 0) throw new ArgumentException("At least one endpoint URL is required.", nameof(Endpoints));
        foreach (var e in Endpoints)
        {
            if (e is null || !e.IsAbsoluteUri || (e.Scheme != Uri.UriSchemeHttp && e.Scheme != Uri.UriSchemeHttps))
                throw new ArgumentException($"Endpoint '{e}' is not an absolute http(s) URL.", nameof(Endpoints));
        }

        if (MaxConcurrencyPerEndpoint < 1) throw new ArgumentOutOfRangeException(nameof(MaxConcurrencyPerEndpoint), MaxConcurrencyPerEndpoint, "MaxConcurrencyPerEndpoint must be ≥ 1.");
        if (MaxAttempts < 1) throw new ArgumentOutOfRangeException(nameof(MaxAttempts), MaxAttempts, "MaxAttempts must be ≥ 1.");
        if (FailuresToSetAside < 1) throw new ArgumentOutOfRangeException(nameof(FailuresToSetAside), FailuresToSetAside, "FailuresToSetAside must be ≥ 1.");
        if (MaxLogProbs is < 1 or > 20) throw new ArgumentOutOfRangeException(nameof(MaxLogProbs), MaxLogProbs, "MaxLogProbs must be in [1, 20].");
        Positive(ConnectTimeout, nameof(ConnectTimeout));
        Positive(ReadTimeout, nameof(ReadTimeout));
        if (RetryBaseDelay < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(RetryBaseDelay), RetryBaseDelay, "RetryBaseDelay must be ≥ 0.");
        if (RetryMaxDelay < RetryBaseDelay) throw new ArgumentOutOfRangeException(nameof(RetryMaxDelay), RetryMaxDelay, "RetryMaxDelay must be ≥ RetryBaseDelay.");
        Positive(SetAsideTime, nameof(SetAsideTime));
        ArgumentNullException.ThrowIfNull(TimeProvider);
        return this;
    }

    private static void Positive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(name, value, $"{name} must be > 0.");
    }
}
