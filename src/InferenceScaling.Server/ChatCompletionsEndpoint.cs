using System.Text;
using System.Text.Json;
using InferenceScaling.Sampling;
using Microsoft.AspNetCore.Http;
using Trace = InferenceScaling.Sampling.Trace;

namespace InferenceScaling.Server;

/// <summary>
/// <c>POST /v1/chat/completions</c>, OpenAI-compatible (non-streaming). The last user message, formatted with the
/// prompt set's solve template, is the prompt; <c>n</c> traces are sampled. With a <c>budget</c>, self-consistency
/// runs instead: the response is the winning trace and the vote is in the extra <c>self_consistency</c> field.
/// </summary>
internal static class ChatCompletionsEndpoint
{
    /// <summary>Fields read; <c>user</c>, <c>store</c>, <c>metadata</c> are accepted and ignored.</summary>
    private static readonly string[] Known =
    [
        "model", "messages", "temperature", "top_p", "max_tokens", "max_completion_tokens", "seed", "n", "logprobs",
        "top_logprobs", "stop", "stream", "budget", "user", "store", "metadata", "frequency_penalty", "presence_penalty",
    ];

    /// <summary>Roles a message may have.</summary>
    private static readonly string[] Roles = ["system", "developer", "user", "assistant", "tool"];

    public static async Task<IResult> HandleAsync(JsonElement body, ServerState state, CancellationToken cancellationToken)
    {
        JsonRequest.RejectUnknown(body, null, Known);
        var options = state.Options;
        JsonRequest.String(body, "model", "model");
        if (JsonRequest.Bool(body, "stream", "stream") == true)
            throw ApiException.BadRequest("Streaming is not supported; set 'stream' to false.", "stream", "unsupported_value");
        foreach (var penalty in (string[])["frequency_penalty", "presence_penalty"])
            if (JsonRequest.Number(body, penalty, penalty, -2, 2) is { } p && p != 0)
                throw ApiException.BadRequest($"'{penalty}' is not supported (only 0).", penalty, "unsupported_value");

        var question = SolveEndpoint.ReadQuestion(LastUserText(body), state, "messages");
        var temperature = JsonRequest.Number(body, "temperature", "temperature", 0, 2);
        var topP = JsonRequest.Number(body, "top_p", "top_p", 0, 1, minExclusive: true);
        var maxTokens = JsonRequest.Integer(body, "max_completion_tokens", "max_completion_tokens", 1, options.MaxTokensPerTrace)
            ?? JsonRequest.Integer(body, "max_tokens", "max_tokens", 1, options.MaxTokensPerTrace);
        var seed = JsonRequest.Integer(body, "seed", "seed", long.MinValue, long.MaxValue);
        var n = JsonRequest.Integer(body, "n", "n", 1, options.MaxSamplesPerRequest) ?? 1;
        var logprobs = JsonRequest.Bool(body, "logprobs", "logprobs") ?? false;
        var topLogprobs = JsonRequest.Integer(body, "top_logprobs", "top_logprobs", 0, 20);
        if (topLogprobs is > 0 && !logprobs) throw ApiException.BadRequest("'top_logprobs' needs 'logprobs': true.", "top_logprobs");
        var stops = Stops(body);
        var budgetField = JsonRequest.Get(body, "budget");
        if (budgetField is not null && n != 1) throw ApiException.BadRequest("'n' must be 1 when 'budget' is set: the response is the vote's winning trace.", "n");

        var prompt = state.FormatQuestion(question);
        SolveEndpoint.EnsureFits(state, prompt, "messages");
        var defaults = state.DefaultSampling;
        var sampling = defaults with
        {
            Temperature = temperature is { } t ? (float)t : defaults.Temperature,
            TopP = topP is { } tp ? (float)tp : 1f,
            MaxTokens = (int)(maxTokens ?? options.DefaultMaxTokens),
            Seed = seed is { } s ? unchecked((ulong)s) : 0,
            StopStrings = [.. state.StopStrings, .. stops],
            TopLogProbs = logprobs ? (int)(topLogprobs ?? 0) : 0,
        };
        var id = "chatcmpl-" + Guid.NewGuid().ToString("N");
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        if (budgetField is not null)
        {
            var budget = BudgetReader.Read(budgetField, options);
            var solution = await state.Solver(sampling).SolveAsync(question, budget, cancellationToken).ConfigureAwait(false);
            var usage = solution.Usage;
            var winner = solution.WinningTrace;
            return Results.Json(new
            {
                id,
                @object = "chat.completion",
                created,
                model = state.ModelId,
                choices = new[] { winner is null ? Choice(0, solution.Answer ?? "", "stop", null) : Choice(0, winner, logprobs, state) },
                usage = new { prompt_tokens = usage.PromptTokens, completion_tokens = usage.GeneratedTokens, total_tokens = usage.PromptTokens + usage.GeneratedTokens },
                self_consistency = new
                {
                    answer = solution.Answer,
                    vote_share = solution.VoteShare,
                    confidence = solution.Confidence,
                    distribution = SolveEndpoint.Distribution(solution),
                    stop_reason = SolveEndpoint.StopReasonName(solution.StopReason),
                    deadline_reached = solution.IsDeadlineLimited,
                    traces_drawn = solution.TracesDrawn,
                    forward_passes = usage.ForwardPasses,
                    budget = budget.ToString(),
                },
            });
        }

        var request = new TraceRequest { Prompt = prompt, Count = (int)n, Sampling = sampling };
        var traces = new List<Trace>((int)n);
        await foreach (var trace in state.Scheduler.GenerateAsync(request, cancellationToken).ConfigureAwait(false)) traces.Add(trace);
        traces.Sort((a, b) => a.Index.CompareTo(b.Index));
        var promptTokens = traces.Count > 0 ? traces[0].PromptTokens : 0;
        long completion = 0;
        foreach (var trace in traces) completion += trace.GeneratedTokens;
        return Results.Json(new
        {
            id,
            @object = "chat.completion",
            created,
            model = state.ModelId,
            choices = traces.Select((trace, i) => Choice(i, trace, logprobs, state)).ToArray(),
            usage = new { prompt_tokens = promptTokens, completion_tokens = completion, total_tokens = promptTokens + completion },
        });
    }

    private static object Choice(int index, string content, string finish, object? logprobs) => new
    {
        index,
        message = new { role = "assistant", content },
        logprobs,
        finish_reason = finish,
    };

    private static object Choice(int index, Trace trace, bool logprobs, ServerState state) =>
        Choice(index, trace.Text, trace.FinishReason == FinishReason.Length ? "length" : "stop", logprobs ? LogProbs(trace, state) : null);

    /// <summary>OpenAI's <c>logprobs.content</c>: one entry per generated token, with its top alternatives.</summary>
    private static object LogProbs(Trace trace, ServerState state)
    {
        var tokenizer = state.Model.Tokenizer;
        var content = new object[trace.TokenIds.Count];
        for (var i = 0; i < content.Length; i++)
        {
            var text = tokenizer.Decode([trace.TokenIds[i]]);
            var top = trace.TopLogProbs is { } tops && i < tops.Count ? tops[i] : [];
            content[i] = new
            {
                token = text,
                logprob = trace.TokenLogProbs[i],
                bytes = Bytes(text),
                top_logprobs = top.Select(c =>
                {
                    var alt = tokenizer.Decode([c.TokenId]);
                    return new { token = alt, logprob = c.LogProb, bytes = Bytes(alt) };
                }).ToArray(),
            };
        }

        return new { content };
    }

    /// <summary>UTF-8 bytes as numbers (OpenAI's format; a byte[] would serialize as base64).</summary>
    private static int[] Bytes(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var result = new int[bytes.Length];
        for (var i = 0; i < bytes.Length; i++) result[i] = bytes[i];
        return result;
    }

    private static string? LastUserText(JsonElement body)
    {
        if (JsonRequest.Get(body, "messages") is not { } messages) throw ApiException.BadRequest("'messages' is required.", "messages", "missing_field");
        if (messages.ValueKind != JsonValueKind.Array) throw JsonRequest.WrongType("messages", "an array of messages", messages);
        if (messages.GetArrayLength() == 0) throw ApiException.BadRequest("'messages' must not be empty.", "messages");
        string? last = null;
        var i = 0;
        foreach (var m in messages.EnumerateArray())
        {
            var at = $"messages[{i++}]";
            if (m.ValueKind != JsonValueKind.Object) throw JsonRequest.WrongType(at, "an object", m);
            JsonRequest.RejectUnknown(m, at, "role", "content", "name");
            var role = JsonRequest.String(m, "role", $"{at}.role") ?? throw ApiException.BadRequest($"'{at}.role' is required.", $"{at}.role", "missing_field");
            if (Array.IndexOf(Roles, role) < 0) throw ApiException.BadRequest($"'{at}.role' must be one of {string.Join(", ", Roles)}; got '{role}'.", $"{at}.role");
            var text = Content(m, at);
            if (role == "user") last = text;
        }

        return last ?? throw ApiException.BadRequest("'messages' holds no user message: the last user message is the question.", "messages");
    }

    /// <summary>A message's text: a string, or an array of <c>{ "type": "text", "text": … }</c> parts.</summary>
    private static string Content(JsonElement message, string at)
    {
        if (JsonRequest.Get(message, "content") is not { } content) return "";
        if (content.ValueKind == JsonValueKind.String) return content.GetString()!;
        if (content.ValueKind != JsonValueKind.Array) throw JsonRequest.WrongType($"{at}.content", "a string or an array of text parts", content);
        var sb = new StringBuilder();
        var i = 0;
        foreach (var part in content.EnumerateArray())
        {
            var pat = $"{at}.content[{i++}]";
            if (part.ValueKind != JsonValueKind.Object) throw JsonRequest.WrongType(pat, "an object", part);
            if (JsonRequest.String(part, "type", $"{pat}.type") != "text") throw ApiException.BadRequest($"'{pat}.type' must be 'text' (only text is supported).", $"{pat}.type", "unsupported_value");
            sb.Append(JsonRequest.String(part, "text", $"{pat}.text"));
        }

        return sb.ToString();
    }

    private static string[] Stops(JsonElement body)
    {
        if (JsonRequest.Get(body, "stop") is not { } stop) return [];
        if (stop.ValueKind == JsonValueKind.String) return stop.GetString() is { Length: > 0 } one ? [one] : throw ApiException.BadRequest("'stop' must not be empty.", "stop");
        if (stop.ValueKind != JsonValueKind.Array) throw JsonRequest.WrongType("stop", "a string or an array of strings", stop);
        if (stop.GetArrayLength() > 4) throw ApiException.BadRequest("'stop' holds at most 4 strings.", "stop");
        var list = new List<string>();
        foreach (var s in stop.EnumerateArray())
        {
            if (s.ValueKind != JsonValueKind.String || s.GetString() is not { Length: > 0 } text)
                throw ApiException.BadRequest("'stop' entries must be non-empty strings.", "stop");
            list.Add(text);
        }

        return [.. list];
    }
}
