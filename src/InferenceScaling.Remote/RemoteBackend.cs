namespace InferenceScaling.Remote;

/// <summary>
/// One or more OpenAI-compatible serving endpoints (vLLM, SGLang, llama.cpp's server, hosted APIs, another
/// <c>infscale serve</c>) as a trace generator and a continuation scorer: traces spread by least outstanding requests
/// within a per-endpoint limit, with timeouts, retries and backoff (honouring <c>Retry-After</c>), and endpoints that
/// keep failing set aside for a while. Owns its HTTP client; dispose it when done. Thread-safe.
/// </summary>
/// <example>
/// <code>
/// using var backend = RemoteBackend.Create(new RemoteBackendOptions { Endpoints = [new Uri("http://gpu1:8000/v1"), new Uri("http://gpu2:8000/v1")] });
/// var solver = new SolverServices { Generator = backend.TraceGenerator, Scorer = backend.Scorer, Prompts = PromptSet.Find("arith") }
///     .AsSolver(b =&gt; b.UseVerification());
/// </code>
/// </example>
public sealed class RemoteBackend : IDisposable
{
    private readonly HttpClient _http;
    private readonly EndpointPool _pool;

    private RemoteBackend(RemoteBackendOptions options, HttpClient http)
    {
        _http = http;
        _pool = new EndpointPool(options, http);
        var counter = new PromptTokenCounter(options.CountTokens);
        var vocabulary = new RemoteVocabulary();
        TraceGenerator = new RemoteTraceGenerator(_pool, vocabulary, counter);
        Scorer = new RemoteContinuationScorer(_pool, counter);
    }

    /// <summary>Creates the backend. Nothing is sent until the first trace or score is asked for.</summary>
    /// <param name="options">Endpoints and policies; validated here.</param>
    /// <param name="handler">The HTTP handler to send through (tests, proxies); null builds one with <see cref="RemoteBackendOptions.ConnectTimeout"/>. Not disposed by the backend when given.</param>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    public static RemoteBackend Create(RemoteBackendOptions options, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var http = handler is null
            ? new HttpClient(new SocketsHttpHandler
            {
                ConnectTimeout = options.ConnectTimeout,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                MaxConnectionsPerServer = options.MaxConcurrencyPerEndpoint,
            }, disposeHandler: true)
            : new HttpClient(handler, disposeHandler: false);
        // Timeouts are per read (RemoteBackendOptions.ReadTimeout), not per whole stream.
        http.Timeout = Timeout.InfiniteTimeSpan;
        return new RemoteBackend(options, http);
    }

    /// <summary>Samples traces on the endpoints.</summary>
    public RemoteTraceGenerator TraceGenerator { get; }

    /// <summary>Scores continuations on the endpoints (<c>echo</c> + <c>logprobs</c> on <c>/v1/completions</c>).</summary>
    public RemoteContinuationScorer Scorer { get; }

    /// <summary>The endpoints' base URLs, in the order given.</summary>
    public IReadOnlyList<Uri> Endpoints => _pool.Endpoints.Select(e => e.Address).ToArray();

    /// <summary>What each endpoint has done so far.</summary>
    public IReadOnlyList<RemoteEndpointStatistics> Statistics() => _pool.Statistics();

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();
}
