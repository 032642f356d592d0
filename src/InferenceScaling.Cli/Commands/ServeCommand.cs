using System.CommandLine;
using InferenceScaling.Runtime;
using InferenceScaling.Server;

namespace InferenceScaling.Cli.Commands;

/// <summary><c>infscale serve</c>: the HTTP service (solve, OpenAI-compatible chat completions, metrics) on the continuous-batching scheduler.</summary>
internal static class ServeCommand
{
    /// <summary>Where the API key comes from when <c>--api-key</c> is not given (so it does not show in <c>ps</c>).</summary>
    public const string ApiKeyVariable = "INFSCALE_API_KEY";

    public static Command Create()
    {
        var defaults = new ServerOptions();
        var urls = new Option<string>("--urls") { Description = "Where to listen.", DefaultValueFactory = _ => "http://127.0.0.1:5080" };
        var model = new Option<string?>("--model") { Description = "Model folder. Default: the embedded arith-mini model." };
        var apiKey = new Option<string?>("--api-key") { Description = $"Require 'Authorization: Bearer <key>' on /v1/*. Default: ${ApiKeyVariable}, else no key. An empty key is refused." };
        var metricsKey = new Option<bool>("--metrics-need-key") { Description = "Also require the key on /metrics." };
        var allowedHosts = new Option<string?>("--allowed-hosts") { Description = "Host names requests may name (';'-separated, '*' for any). Default: the loopback names on a loopback bind, else any." };
        var maxRows = new Option<int>("--max-rows") { Description = "Most traces decoded together in one batch.", DefaultValueFactory = _ => defaults.MaxRows };
        var maxRequests = new Option<int>("--max-requests") { Description = "Requests handled at once; more get 429.", DefaultValueFactory = _ => defaults.MaxConcurrentRequests };
        var requestTimeout = new Option<double>("--request-timeout") { Description = "Ceiling on one request's wall time, in seconds; the best answer so far is returned at it.", DefaultValueFactory = _ => defaults.RequestTimeout.TotalSeconds };
        var requestTokens = new Option<int>("--max-request-tokens") { Description = "Ceiling on the tokens one request may generate.", DefaultValueFactory = _ => defaults.MaxTokensPerRequest };
        var bodyTimeout = new Option<double>("--body-read-timeout") { Description = "Seconds a request body may take to arrive; slower uploads get 408.", DefaultValueFactory = _ => defaults.BodyReadTimeout.TotalSeconds };
        var shutdownTimeout = new Option<double>("--shutdown-timeout") { Description = "Seconds a stopping server (SIGTERM) lets requests in flight finish.", DefaultValueFactory = _ => defaults.ShutdownTimeout.TotalSeconds };
        var promptSet = new Option<string?>("--prompt-set") { Description = "Prompt set under prompts/ (default: the model's own, else chat)." };
        var tools = new ToolsArgument();
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads (0 = one per core).", DefaultValueFactory = _ => 0 };
        var command = new Command("serve", "Serve /v1/solve and OpenAI-compatible /v1/chat/completions over HTTP, batching all requests continuously.")
        {
            urls, model, apiKey, metricsKey, allowedHosts, maxRows, maxRequests, requestTimeout, requestTokens, bodyTimeout, shutdownTimeout, promptSet, threads, tools.Option,
        };
        var backendArgs = new BackendArguments();
        backendArgs.AddTo(command);
        command.SetAction((parse, ct) => CommandErrors.Guard(async () =>
        {
            // With --backend the pipeline samples and scores on worker engines; the API is unchanged.
            using var backend = backendArgs.Create(parse);
            var key = parse.GetResult(apiKey) is null ? Environment.GetEnvironmentVariable(ApiKeyVariable) : parse.GetValue(apiKey) ?? "";
            if (key is not null && string.IsNullOrWhiteSpace(key))
                return CommandErrors.Fail($"the API key is empty (--api-key or ${ApiKeyVariable}); give a key, or neither to serve without one.");
            var options = new ServerOptions
            {
                ModelFolder = parse.GetValue(model) ?? ModelArguments.DefaultModelFolder(),
                ApiKey = key,
                MetricsRequireKey = parse.GetValue(metricsKey),
                AllowedHosts = parse.GetValue(allowedHosts)?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                MaxRows = parse.GetValue(maxRows),
                MaxConcurrentRequests = parse.GetValue(maxRequests),
                RequestTimeout = Seconds(parse.GetValue(requestTimeout), "--request-timeout"),
                MaxTokensPerRequest = parse.GetValue(requestTokens),
                BodyReadTimeout = Seconds(parse.GetValue(bodyTimeout), "--body-read-timeout"),
                ShutdownTimeout = Seconds(parse.GetValue(shutdownTimeout), "--shutdown-timeout"),
                IntraOpThreads = parse.GetValue(threads),
                PromptSet = parse.GetValue(promptSet),
            };
            // One wiring path with solve and sweep: the model, prompt set, tools and (with --backend) the workers' generator and scorer.
            using var m = DecoderModel.Load(options.ModelFolder, new DecoderModelOptions { IntraOpThreads = options.IntraOpThreads });
            options = options with
            {
                Services = await BackendArguments.ServicesAsync(parse, backend, m, tools, needsScorer: true, parse.GetValue(promptSet), ct).ConfigureAwait(false),
            };
            // Stopped by SIGTERM or Ctrl+C through the web host, which drains first; a drained stop exits 0.
            await SolveServer.RunAsync(options, ["--urls", parse.GetValue(urls)!], ct).ConfigureAwait(false);
            return 0;
        }));
        return command;
    }

    private static TimeSpan Seconds(double value, string option) =>
        double.IsFinite(value) && value >= 0 && value <= TimeSpan.FromDays(1).TotalSeconds
            ? TimeSpan.FromSeconds(value)
            : throw new ArgumentException($"{option} must be a number of seconds in [0, 86400]; got {value}.");
}
