using System.CommandLine;
using InferenceScaling.Prompts;
using InferenceScaling.Remote;
using InferenceScaling.Runtime;
using InferenceScaling.Sampling;
using InferenceScaling.Solving;
using InferenceScaling.Tokenization;

namespace InferenceScaling.Cli.Commands;

/// <summary>
/// The options that move sampling and scoring to OpenAI-compatible endpoints (vLLM, SGLang, llama.cpp's server,
/// another <c>infscale serve</c>): <c>--backend URL</c> (repeatable), <c>--backend-key-env</c>,
/// <c>--backend-model</c>, <c>--tokenizer DIR</c>. Without <c>--backend</c> everything decodes locally.
/// </summary>
internal sealed class BackendArguments
{
    public Option<string[]> Backend { get; } = new("--backend")
    {
        Description = "Sample (and score) on this OpenAI-compatible endpoint, e.g. http://host:8000/v1; repeat for several (traces go to the least loaded). The local --model then gives only the prompt set and tokenizer.",
        AllowMultipleArgumentsPerToken = false,
    };

    public Option<string> KeyVariable { get; } = new("--backend-key-env")
    {
        Description = "Environment variable holding the endpoints' API key (sent as a Bearer token when set).",
        DefaultValueFactory = _ => "OPENAI_API_KEY",
    };

    public Option<string?> ModelName { get; } = new("--backend-model") { Description = "The model name requests carry. Default: the first model each endpoint lists at /v1/models." };

    public Option<string?> Tokenizer { get; } = new("--tokenizer") { Description = "Count tokens for budgets with this model folder's tokenizer. Default: the endpoints' usage figures." };

    public Option<int> Concurrency { get; } = new("--backend-concurrency") { Description = "Most requests in flight per endpoint.", DefaultValueFactory = _ => 16 };

    public void AddTo(Command command)
    {
        command.Options.Add(Backend);
        command.Options.Add(KeyVariable);
        command.Options.Add(ModelName);
        command.Options.Add(Tokenizer);
        command.Options.Add(Concurrency);
    }

    /// <summary>The remote backend the options name, or null without <c>--backend</c>.</summary>
    /// <exception cref="ArgumentException">A URL is not an absolute http(s) URL, or the concurrency is below 1.</exception>
    public RemoteBackend? Create(ParseResult parse)
    {
        var urls = parse.GetValue(Backend);
        if (urls is null || urls.Length == 0) return null;
        var endpoints = new Uri[urls.Length];
        for (var i = 0; i < urls.Length; i++)
        {
            if (!Uri.TryCreate(urls[i], UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
                throw new ArgumentException($"--backend: '{urls[i]}' is not an http(s) URL such as http://host:8000/v1.");
            endpoints[i] = uri;
        }

        Func<string, int>? count = null;
        if (parse.GetValue(Tokenizer) is { } folder)
        {
            var tokenizer = ModelTokenizer.Load(folder);
            count = text => tokenizer.Encode(text).Length;
        }

        var variable = parse.GetValue(KeyVariable)!;
        var key = Environment.GetEnvironmentVariable(variable);
        return RemoteBackend.Create(new RemoteBackendOptions
        {
            Endpoints = endpoints,
            ApiKey = string.IsNullOrWhiteSpace(key) ? null : key,
            Model = parse.GetValue(ModelName),
            MaxConcurrencyPerEndpoint = parse.GetValue(Concurrency) is var c and >= 1 ? c : throw new ArgumentException("--backend-concurrency must be ≥ 1."),
            CountTokens = count,
        });
    }

    /// <summary>
    /// The pipeline's services for <c>solve</c>, <c>sweep</c>, <c>eval-verify</c> and <c>serve</c> (which decodes a local
    /// model on its scheduler instead): traces from the endpoints (<paramref name="backend"/>) or from
    /// <paramref name="model"/>, the prompt set (<paramref name="promptSet"/>, else the model's) and tokenizer, the scorer
    /// (the model's; with a backend, its endpoints' when <paramref name="needsScorer"/> and they can score, see
    /// <see cref="ScorerAsync"/>), and the <c>--tools</c> every stage decodes with (none when <paramref name="tools"/> is null).
    /// </summary>
    /// <exception cref="ArgumentException">A tool name the prompt set does not declare.</exception>
    public static async Task<SolverServices> ServicesAsync(ParseResult parse, RemoteBackend? backend, DecoderModel model, ToolsArgument? tools, bool needsScorer, string? promptSet, CancellationToken cancellationToken)
    {
        var prompts = PromptSet.ForModel(model, promptSet);
        IContinuationScorer? scorer = backend is null ? new OnnxContinuationScorer(model)
            : needsScorer ? await ScorerAsync(backend, cancellationToken).ConfigureAwait(false) : backend.Scorer;
        var toolSet = tools?.Load(parse, prompts, model);
        return new SolverServices
        {
            Generator = backend is null ? new OnnxTraceGenerator(model) : backend.TraceGenerator,
            Model = model,
            Tokenizer = model.Tokenizer,
            Prompts = prompts,
            Scorer = scorer,
            Tools = toolSet,
        };
    }

    /// <summary>
    /// The scorer step checks run on: the backend's when its endpoints can score (echo with log-probs), else null so
    /// the checker falls back to written critiques, saying so on stderr.
    /// </summary>
    public static async Task<IContinuationScorer?> ScorerAsync(RemoteBackend backend, CancellationToken cancellationToken)
    {
        if (await backend.Scorer.CanScoreAsync(cancellationToken).ConfigureAwait(false)) return backend.Scorer;
        Console.Error.WriteLine($"note: {backend.Endpoints[0]} cannot score continuations (no /v1/completions echo with log-probs): checks fall back to written critiques.");
        return null;
    }

    /// <summary>One line per endpoint: what it did.</summary>
    public static void PrintStatistics(RemoteBackend backend, TextWriter writer)
    {
        foreach (var s in backend.Statistics())
            writer.WriteLine($"backend {s.Address}: {s.Succeeded} requests, {s.Failed} failed attempts, {s.GeneratedTokens} tokens generated{(s.SetAside ? ", set aside" : "")}");
    }
}
