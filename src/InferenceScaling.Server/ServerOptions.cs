namespace InferenceScaling.Server;

/// <summary>
/// Settings of the HTTP service. Immutable; copy with <c>with</c>. Each setter validates its value and throws
/// <see cref="ArgumentOutOfRangeException"/> naming it.
/// </summary>
public sealed record ServerOptions
{
    /// <summary>The model folder to load. Required by <see cref="SolveServer.Build(ServerOptions, string[])"/>.</summary>
    public string? ModelFolder { get; init; }

    /// <summary>The id the model is served under (<c>/v1/models</c>, responses). Default: the model folder's name.</summary>
    public string? ModelId { get; init; }

    /// <summary>
    /// The API key clients must send as <c>Authorization: Bearer &lt;key&gt;</c> on <c>/v1/*</c>, or null (default)
    /// for none. <c>/healthz</c> and <c>/metrics</c> stay open.
    /// </summary>
    public string? ApiKey { get; init; }

    /// <summary>Most rows decoded together (<see cref="Scheduling.SchedulerOptions.MaxRows"/>). Default 64.</summary>
    public int MaxRows
    {
        get;
        init { ArgumentOutOfRangeException.ThrowIfLessThan(value, 1); field = value; }
    } = 64;

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

    /// <summary>Tokens per trace of <c>/v1/solve</c> (and chat completions without <c>max_tokens</c>). Default 128.</summary>
    public int DefaultMaxTokens
    {
        get;
        init { ArgumentOutOfRangeException.ThrowIfLessThan(value, 1); field = value; }
    } = 128;

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
