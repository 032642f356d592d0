using System.CommandLine;
using InferenceScaling.Server;

namespace InferenceScaling.Cli.Commands;

/// <summary><c>infscale serve</c>: the HTTP service (solve, OpenAI-compatible chat completions, metrics) on the continuous-batching scheduler.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var urls = new Option<string>("--urls") { Description = "Where to listen.", DefaultValueFactory = _ => "http://127.0.0.1:5080" };
        var model = new Option<string?>("--model") { Description = "Model folder. Default: the embedded arith-mini model." };
        var apiKey = new Option<string?>("--api-key") { Description = "Require 'Authorization: Bearer <key>' on /v1/* (default: no key)." };
        var maxRows = new Option<int>("--max-rows") { Description = "Most traces decoded together in one batch.", DefaultValueFactory = _ => 64 };
        var maxRequests = new Option<int>("--max-requests") { Description = "Requests handled at once; more get 429.", DefaultValueFactory = _ => 128 };
        var promptSet = new Option<string?>("--prompt-set") { Description = "Prompt set under prompts/ (default: the model's own, else chat)." };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads (0 = one per core).", DefaultValueFactory = _ => 0 };
        var command = new Command("serve", "Serve /v1/solve and OpenAI-compatible /v1/chat/completions over HTTP, batching all requests continuously.")
        {
            urls, model, apiKey, maxRows, maxRequests, promptSet, threads,
        };
        command.SetAction((parse, ct) => CommandErrors.Guard(async () =>
        {
            var options = new ServerOptions
            {
                ModelFolder = parse.GetValue(model) ?? ModelArguments.DefaultModelFolder(),
                ApiKey = parse.GetValue(apiKey),
                MaxRows = parse.GetValue(maxRows),
                MaxConcurrentRequests = parse.GetValue(maxRequests),
                IntraOpThreads = parse.GetValue(threads),
                PromptSet = parse.GetValue(promptSet),
            };
            await SolveServer.RunAsync(options, ["--urls", parse.GetValue(urls)!], ct).ConfigureAwait(false);
            return 0;
        }));
        return command;
    }
}
