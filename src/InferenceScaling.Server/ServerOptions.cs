namespace InferenceScaling.Server;

/// <summary>
/// Settings of the HTTP service. Immutable; copy with <c>with</c>. Each setter validates its value and throws
/// <see cref="ArgumentOutOfRangeException"/> naming it.
/// </summary>
public sealed record ServerOptions
{
    /// <summary>The model folder to load. Required by <see cref="SolveServer.Build(ServerOptions, string[])"/> unless <see cref="Services"/> holds a loaded model.</summary>
    public string? ModelFolder { get; init; }

    /// <summary>The id the model is served under (<c>/v1/models</c>, responses). Default: the model folder's name.</summary>
    public string? ModelId { get; init; }

    /// <summary>
    /// The API key clients must send as <c>Authorization: Bearer &lt;key&gt;</c> on <c>/v1/*</c> (and on
    /// <c>/metrics</c> with <see cref="MetricsRequireKey"/>), or null (default) for none. <c>/healthz</c> stays open.
    /// An empty or blank key is refused (<see cref="ArgumentException"/>): an unset shell variable must not turn
    /// authentication off. <c>infscale serve</c> reads it from <c>INFSCALE_API_KEY</c> unless <c>--api-key</c> is given.
    /// </summary>
    public string? ApiKey
    {
        get;
        init
        {
            if (value is not null && string.IsNullOrWhiteSpace(value))
                throw new ArgumentException("The API key is empty; give a key, or none to serve without one.", nameof(ApiKey));
            field = value;
        }
    }

    /// <summary>
    /// What every request's pipeline shares, as the host wired them (<c>infscale serve</c> builds them through the same
    /// path as <c>solve</c> and <c>sweep</c>): the model, the prompt set, the tools requests decode with when they name
    /// none, and — with worker engines (<c>--backend</c>) — the generator requests sample on and the scorer their step
    /// checks score on (null: checks fall back to written critiques). A generator over the served model itself is
    /// replaced by the continuous-batching scheduler over it, and its scorer by the scheduler's, so every request batches
    /// with the others. Null (default): the model from <see cref="ModelFolder"/> and the prompt set from
    /// <see cref="PromptSet"/>, decoding locally without tools.
    /// </summary>
    public Solving.SolverServices? Services { get; init; }

    /// <summary>Whether <c>/metrics</c> also needs the API key (when one is set). Default false.</summary>
    public bool MetricsRequireKey { get; init; }

    /// <summary>
    /// Host names requests may name in their <c>Host</c> header (others get 400), against DNS rebinding; <c>*</c>
    /// allows any. Default null: <c>localhost</c>, <c>127.0.0.1</c> and <c>[::1]</c> when every address the service
    /// listens on is a loopback one, else any.
    /// </summary>
    public IReadOnlyList<string>? AllowedHosts { get; init; }

    /// <summary>Most rows decoded together (<see cref="Scheduling.SchedulerOptions.MaxRows"/>). Default 64.</summary>
    public int MaxRows
    {
        get;
        init { ArgumentOutOfRangeException.ThrowIfLessThan(value, 1); field = value; }
    } = 64;

    /// <summary>
    /// Most rows one request may hold at once (<see cref="Scheduling.SchedulerOptions.MaxRowsPerRequest"/>), so a
    /// large request leaves rows for the ones arriving after it; null for <see cref="MaxRows"/>. Default 16.
    /// </summary>
    public int? MaxRowsPerRequest
    {
        get;
        init { if (value is < 1) throw new ArgumentOutOfRangeException(nameof(MaxRowsPerRequest), value, "MaxRowsPerRequest must be ≥ 1 or null."); field = value; }
    } = 16;

    /// <summary>
    /// Requests handled at once; beyond it the server answers 429 with <c>Retry-After</c> instead of queueing.
    /// Default 128.
    /// </summary>
    public int MaxConcurrentRequests
    {
        get;
        init { ArgumentOutOfRangeException.ThrowIfLessThan(value, 1); field = value; }
    } = 128;

    /// <summary>Largest request body accepted, in bytes; larger ones get 413. Default 64 KiB.</summary>
    public int MaxBodyBytes
    {
        get;
        init { ArgumentOutOfRangeException.ThrowIfLessThan(value, 256); field = value; }
    } = 64 * 1024;

    /// <summary>Longest question (or chat message) accepted, in characters. Default 4000.</summary>
    public int MaxQuestionChars
    {
        get;
        init { ArgumentOutOfRangeException.ThrowIfLessThan(value, 1); field = value; }
    } = 4000;

    /// <summary>Most samples one request may ask for (budget samples, or <c>n</c>). Default 64.</summary>
    public int MaxSamplesPerRequest
    {
        get;
        init { ArgumentOutOfRangeException.ThrowIfLessThan(value, 1); field = value; }
    } = 64;

    /// <summary>Most tokens one trace may generate (the model's context also limits it). Default 256.</summary>
    public int MaxTokensPerTrace
    {
        get;
        init { ArgumentOutOfRangeException.ThrowIfLessThan(value, 1); field = value; }
    } = 256;

    /// <summary>
    /// Tokens per trace of <c>/v1/solve</c> (and chat completions without <c>max_tokens</c>). Null (default): the
    /// prompt set's <c>max_new_tokens</c>, else the model folder's, else the context (128 for the shipped model), at
    /// most <see cref="MaxTokensPerTrace"/>.
    /// </summary>
    public int? DefaultMaxTokens
    {
        get;
        init { if (value is { } v) ArgumentOutOfRangeException.ThrowIfLessThan(v, 1, nameof(DefaultMaxTokens)); field = value; }
    }

    /// <summary>
    /// Ceiling on one request's wall time. A budget's deadline is capped at it (a budget without one gets it), so the
    /// best answer so far comes back with <c>stop_reason: "deadline"</c>; chat completions without a budget return
    /// their traces as far as they got (<c>finish_reason: "length"</c>, <c>stop_reason: "deadline"</c>). Work still
    /// running 5 s after it is cancelled (a stage that does not watch the deadline) and the request fails with 503
    /// <c>request_timeout</c>. Default 60 s.
    /// </summary>
    public TimeSpan RequestTimeout
    {
        get;
        init { ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero); field = value; }
    } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Ceiling on the tokens one request may generate: a budget's token cap is capped at it (a budget without one gets
    /// it), and a chat completion's <c>n</c> × <c>max_tokens</c> may not exceed it. Default 16384.
    /// </summary>
    public int MaxTokensPerRequest
    {
        get;
        init { ArgumentOutOfRangeException.ThrowIfLessThan(value, 1); field = value; }
    } = 16384;

    /// <summary>Longest time a request body may take to arrive; slower ones get 408. Default 10 s.</summary>
    public TimeSpan BodyReadTimeout
    {
        get;
        init { ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero); field = value; }
    } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a stopping service (SIGTERM, Ctrl+C) lets in-flight requests finish; new ones get 503 with
    /// <c>Retry-After</c> and <c>Connection: close</c> meanwhile. Default 30 s.
    /// </summary>
    public TimeSpan ShutdownTimeout
    {
        get;
        init { ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero); field = value; }
    } = TimeSpan.FromSeconds(30);

    /// <summary>The caps every budget is held to: <see cref="MaxSamplesPerRequest"/>, <see cref="MaxTokensPerRequest"/>, <see cref="RequestTimeout"/>, 64 checks, 8 rounds.</summary>
    internal BudgetLimits BudgetLimits => new()
    {
        MaxSamples = MaxSamplesPerRequest,
        MaxGeneratedTokens = MaxTokensPerRequest,
        MaxDeadline = RequestTimeout,
    };

    /// <summary>The budget of <c>/v1/solve</c> requests that name none. Default <see cref="Budget.Balanced"/>.</summary>
    public Budget DefaultBudget { get; init; } = Budget.Balanced;

    /// <summary>
    /// The prompt set (folder name under <c>prompts/</c>) that formats questions. Default: the one the model names,
    /// else <c>chat</c>; when none is found the model's plain <c>Q: …\nA:</c> format is used.
    /// </summary>
    public string? PromptSet { get; init; }

    /// <summary>ONNX Runtime intra-op threads (0 = one per core). Default 0.</summary>
    public int IntraOpThreads
    {
        get;
        init { ArgumentOutOfRangeException.ThrowIfNegative(value); field = value; }
    }
}
