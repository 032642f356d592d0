using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using InferenceScaling.Prompts;
using InferenceScaling.Runtime;
using InferenceScaling.Sampling;
using InferenceScaling.Tools;

namespace InferenceScaling.Cli.Commands;

/// <summary><c>infscale generate</c>: N sampled traces of one prompt, decoded as one batch.</summary>
internal static class GenerateCommand
{
    public static Command Create()
    {
        var prompt = new Argument<string>("prompt") { Description = "The prompt text, used as given (no template)." };
        var samples = new Option<int>("--samples", "-n") { Description = "Number of traces.", DefaultValueFactory = _ => 4 };
        var temperature = new Option<float?>("--temperature", "-t") { Description = "Sampling temperature; 0 = greedy. Default: the model's generation_config, else 0.8." };
        var topK = new Option<int?>("--top-k") { Description = "Top-k (0 = off). Default: generation_config.json, else genai_config.json's search when it samples, else off." };
        var topP = new Option<float?>("--top-p") { Description = "Top-p (1 = off). Default: as --top-k." };
        var minP = new Option<float>("--min-p") { Description = "Min-p (0 = off).", DefaultValueFactory = _ => 0f };
        var maxTokens = new Option<int?>("--max-tokens") { Description = "Most tokens per trace. Default: generation_config.json's max_new_tokens, else what the model's context leaves after the prompt." };
        var seed = new Option<ulong>("--seed") { Description = "Seed; trace i depends only on (seed, i).", DefaultValueFactory = _ => 0UL };
        var json = new Option<bool>("--json") { Description = "Print a JSON document (texts, finish reasons, token counts, timing)." };
        var promptSet = new Option<string?>("--prompt-set") { Description = "Prompt set whose tools --tools names (default: the model's own, else chat)." };
        var model = new ModelArguments();
        var tools = new ToolsArgument();
        var command = new Command("generate", "Sample N traces of one prompt (prefilled once, decoded as one batch).") { prompt, samples, temperature, topK, topP, minP, maxTokens, seed, json, tools.Option, promptSet };
        model.AddTo(command);
        command.SetAction((parse, ct) => CommandErrors.Guard(async () =>
        {
            using var m = model.Load(parse);
            var toolSet = ToolsArgument.Names(parse.GetValue(tools.Option)).Length == 0
                ? null
                : tools.Load(parse, PromptSet.Find(parse.GetValue(promptSet) ?? m.PromptSet), m);
            using var onnx = new OnnxTraceGenerator(m);
            var generator = onnx.UseTools(toolSet);
            var text = parse.GetValue(prompt)!;
            var defaults = m.DefaultSampling(m.Tokenizer.Encode(text).Length);
            var request = new TraceRequest
            {
                Prompt = text,
                Count = parse.GetValue(samples),
                Sampling = defaults with
                {
                    Temperature = parse.GetValue(temperature) ?? defaults.Temperature,
                    TopK = parse.GetValue(topK) ?? defaults.TopK,
                    TopP = parse.GetValue(topP) ?? defaults.TopP,
                    MinP = parse.GetValue(minP),
                    MaxTokens = parse.GetValue(maxTokens) ?? defaults.MaxTokens,
                    Seed = parse.GetValue(seed),
                },
            };
            var clock = Stopwatch.StartNew();
            var traces = await generator.GenerateAllAsync(request, ct).ConfigureAwait(false);
            var wall = clock.Elapsed;
            var prefill = traces.Count > 0 ? traces[0].PrefillTime : TimeSpan.Zero;
            var decode = traces.Count > 0 ? traces.Max(t => t.DecodeTime) : TimeSpan.Zero;
            var tokens = traces.Sum(t => t.DecodeSteps);
            if (parse.GetValue(json))
            {
                var doc = new
                {
                    model = m.Folder,
                    device = m.DeviceDescription,
                    prompt_tokens = traces.Count > 0 ? traces[0].PromptTokens : 0,
                    tools = toolSet?.Names ?? "none",
                    traces = traces.Select(t => new
                    {
                        index = t.Index,
                        text = t.Text,
                        finish_reason = t.FinishReason.ToString(),
                        generated_tokens = t.GeneratedTokens,
                        injected_tokens = t.InjectedTokens,
                        tool_calls = t.ToolCalls.Select(c => new { tool = c.Tool, expression = c.Expression, result = c.Result, position = c.Position, error = c.IsError }),
                        total_log_prob = Math.Round(t.TotalLogProb, 4),
                    }),
                    timing = new
                    {
                        prefill_ms = Math.Round(prefill.TotalMilliseconds, 2),
                        decode_ms = Math.Round(decode.TotalMilliseconds, 2),
                        wall_ms = Math.Round(wall.TotalMilliseconds, 2),
                        decode_tokens = tokens,
                        tokens_per_second = decode.TotalSeconds > 0 ? Math.Round(tokens / decode.TotalSeconds, 1) : 0,
                    },
                    // What the step's bindings move across PCIe at the last step (0 on the CPU): tools/gpu-check prints it.
                    host_device_bytes_per_step = StepBytes(m, traces),
                };
                Console.WriteLine(JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true }));
            }
            else
            {
                foreach (var t in traces)
                    Console.WriteLine($"[{t.Index}] ({t.FinishReason}, {t.GeneratedTokens} tokens{(t.InjectedTokens > 0 ? $" + {t.InjectedTokens} injected ({t.ToolCalls.Count} tool calls)" : "")}, logp {t.TotalLogProb:F2}) {t.Text}");
                Console.WriteLine($"prefill {prefill.TotalMilliseconds:F1} ms, decode {decode.TotalMilliseconds:F1} ms, {tokens} tokens, {(decode.TotalSeconds > 0 ? tokens / decode.TotalSeconds : 0):F0} tokens/s ({m.DeviceDescription})");
            }

            return 0;
        }));
        return command;
    }

    private static object StepBytes(Runtime.DecoderModel model, IReadOnlyList<Sampling.Trace> traces)
    {
        var length = traces.Count == 0 ? 0 : traces[0].PromptTokens + traces.Max(t => t.DecodeSteps);
        var (toDevice, toHost) = Runtime.DecodeBatch.HostDeviceBytesPerStep(model, traces.Count, length);
        return new { to_device = toDevice, to_host = toHost };
    }
}
