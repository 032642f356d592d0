using System.Text;
using System.Text.Json;
using InferenceScaling.Sampling;
using InferenceScaling.Solving;
using Microsoft.AspNetCore.Http;
using Trace = InferenceScaling.Sampling.Trace;

namespace InferenceScaling.Server;

/// <summary>
/// <c>POST /v1/chat/completions</c>, OpenAI-compatible. The last user message, formatted with the prompt set's solve
/// template, is the prompt; <c>n</c> traces are sampled. With a <c>budget</c>, self-consistency runs instead: the
/// response is the winning trace and the vote is in the extra <c>self_consistency</c> field.
/// </summary>
/// <remarks>
/// With <c>"stream": true</c> the same completion is sent as server-sent events (<see cref="ChatCompletionStream"/>),
/// once the request has passed every check a non-streamed one gets (errors before that are the same JSON errors).
/// No text is streamed token by token: a choice's text is only final when its trace is, and with a budget only after
/// the vote (and any verification and refinement). So the role chunks go out at once, then each choice's whole text in
/// one content chunk as its trace finishes (without a budget; in finishing order when <c>n</c> &gt; 1), or, with a
/// budget, <c>: progress traces=N generated_tokens=T</c> comment lines as the vote's traces finish, then the answer.
/// The deltas add up to the non-streamed message, logprobs included; <c>self_consistency</c> rides on the finish
/// chunk and <c>usage</c> on the last chunk (<c>stream_options.include_usage</c>).
/// </remarks>
internal static class ChatCompletionsEndpoint
{
    /// <summary>Fields read; <c>user</c>, <c>store</c>, <c>metadata</c> are accepted and ignored.</summary>
    private static readonly string[] Known =
    [
        "model", "messages", "temperature", "top_p", "max_tokens", "max_completion_tokens", "seed", "n", "logprobs",
        "top_logprobs", "stop", "stream", "stream_options", "budget", "user", "store", "metadata", "frequency_penalty",
        "presence_penalty",
    ];

    /// <summary>Roles a message may have.</summary>
    private static readonly string[] Roles = ["system", "developer", "user", "assistant", "tool"];

    public static async Task<IResult> HandleAsync(JsonElement body, ServerState state, CancellationToken cancellationToken)
    {
        JsonRequest.RejectUnknown(body, null, Known);
        var options = state.Options;
        JsonRequest.String(body, "model", "model");
        var stream = JsonRequest.Bool(body, "stream", "stream") ?? false;
        var includeUsage = IncludeUsage(body, stream);
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
            if (stream)
            {
                return new EventStreamResult((events, ct) => StreamVoteAsync(
                    new ChatCompletionStream(events, id, created, state.ModelId, includeUsage), state, question, budget, sampling, logprobs, ct));
            }

            var solution = await state.Solver(sampling).SolveAsync(question, budget, cancellationToken).ConfigureAwait(false);
            return Results.Json(new
            {
                id,
                @object = "chat.completion",
                created,
                model = state.ModelId,
                choices = new[] { Choice(0, MessageOf(solution, logprobs, state)) },
                usage = Usage(solution.Usage.PromptTokens, solution.Usage.GeneratedTokens),
                self_consistency = SelfConsistency(solution, budget),
            });
        }

        var request = new TraceRequest { Prompt = prompt, Count = (int)n, Sampling = sampling };
        if (stream)
        {
            return new EventStreamResult((events, ct) => StreamTracesAsync(
                new ChatCompletionStream(events, id, created, state.ModelId, includeUsage), state, request, logprobs, ct));
        }

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
            choices = traces.Select((trace, i) => Choice(i, MessageOf(trace, logprobs, state))).ToArray(),
            usage = Usage(promptTokens, completion),
        });
    }

    /// <summary>Streams <c>n</c> sampled traces: each choice's text goes out as soon as its trace is final.</summary>
    private static async Task StreamTracesAsync(ChatCompletionStream stream, ServerState state, TraceRequest request, bool logprobs, CancellationToken cancellationToken)
    {
        await stream.WriteRolesAsync(request.Count, cancellationToken).ConfigureAwait(false);
        long promptTokens = 0, completion = 0;
        await foreach (var trace in state.Scheduler.GenerateAsync(request, cancellationToken).ConfigureAwait(false))
        {
            promptTokens = trace.PromptTokens;
            completion += trace.GeneratedTokens;
            var message = MessageOf(trace, logprobs, state);
            // Row indices start at 0 (FirstIndex is 0), so a trace's index is its choice's.
            await stream.WriteChoiceAsync(trace.Index, message.Content, message.LogProbs, message.FinishReason, null, cancellationToken).ConfigureAwait(false);
        }

        await stream.EndAsync(Usage(promptTokens, completion), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Streams a self-consistency answer: progress comments while the vote runs, then the winning trace.</summary>
    private static async Task StreamVoteAsync(ChatCompletionStream stream, ServerState state, string question, Budget budget, SamplingOptions sampling, bool logprobs, CancellationToken cancellationToken)
    {
        await stream.WriteRolesAsync(1, cancellationToken).ConfigureAwait(false);
        var progress = new TraceProgress(state.Scheduler);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var solving = SolveAsync(stop.Token);
        try
        {
            await foreach (var _ in progress.Changes.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                await stream.WriteProgressAsync(progress, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // The client cannot be written to (it left, or the connection broke): the work stops, and ends before the
            // request does, so nothing decodes for a response nobody reads.
            await stop.CancelAsync().ConfigureAwait(false);
            await ((Task)solving).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            throw;
        }

        var solution = await solving.ConfigureAwait(false);
        var message = MessageOf(solution, logprobs, state);
        var extra = new Dictionary<string, object?> { ["self_consistency"] = SelfConsistency(solution, budget) };
        await stream.WriteChoiceAsync(0, message.Content, message.LogProbs, message.FinishReason, extra, cancellationToken).ConfigureAwait(false);
        await stream.EndAsync(Usage(solution.Usage.PromptTokens, solution.Usage.GeneratedTokens), cancellationToken).ConfigureAwait(false);

        async Task<Solution> SolveAsync(CancellationToken token)
        {
            try
            {
                return await state.Solver(sampling, progress).SolveAsync(question, budget, token).ConfigureAwait(false);
            }
            finally
            {
                progress.Complete();
            }
        }
    }

    /// <summary>
    /// Reads <c>stream_options</c>, allowed only with <c>"stream": true</c> (as OpenAI does): <c>include_usage</c>, and
    /// <c>include_obfuscation</c>, accepted and ignored (no padding field is added).
    /// </summary>
    private static bool IncludeUsage(JsonElement body, bool stream)
    {
        if (JsonRequest.Get(body, "stream_options") is not { } streamOptions) return false;
        if (!stream) throw ApiException.BadRequest("'stream_options' is only allowed when 'stream' is true.", "stream_options");
        if (streamOptions.ValueKind != JsonValueKind.Object) throw JsonRequest.WrongType("stream_options", "an object", streamOptions);
        JsonRequest.RejectUnknown(streamOptions, "stream_options", "include_usage", "include_obfuscation");
        JsonRequest.Bool(streamOptions, "include_obfuscation", "stream_options.include_obfuscation");
        return JsonRequest.Bool(streamOptions, "include_usage", "stream_options.include_usage") ?? false;
    }

    /// <summary>The vote behind a budgeted completion (the extra <c>self_consistency</c> field).</summary>
    private static object SelfConsistency(Solution solution, Budget budget) => new
    {
        answer = solution.Answer,
        vote_share = solution.VoteShare,
        confidence = solution.Confidence,
        distribution = SolveEndpoint.Distribution(solution),
        stop_reason = SolveEndpoint.StopReasonName(solution.StopReason),
        deadline_reached = solution.IsDeadlineLimited,
        traces_drawn = solution.TracesDrawn,
        forward_passes = solution.Usage.ForwardPasses,
        budget = budget.ToString(),
    };

    private static object Usage(long promptTokens, long completionTokens) =>
        new { prompt_tokens = promptTokens, completion_tokens = completionTokens, total_tokens = promptTokens + completionTokens };

    private static object Choice(int index, Message message) => new
    {
        index,
        message = new { role = "assistant", content = message.Content },
        logprobs = message.LogProbs,
        finish_reason = message.FinishReason,
    };

    private static Message MessageOf(Trace trace, bool logprobs, ServerState state) =>
        new(trace.Text, trace.FinishReason == FinishReason.Length ? "length" : "stop", logprobs ? LogProbs(trace, state) : null);

    /// <summary>The winning trace's message, or the bare answer when no trace stands for it.</summary>
    private static Message MessageOf(Solution solution, bool logprobs, ServerState state) =>
        solution.WinningTrace is { } winner ? MessageOf(winner, logprobs, state) : new(solution.Answer ?? "", "stop", null);

    /// <summary>One choice's assistant message: what the non-streamed response holds and the streamed deltas add up to.</summary>
    private readonly record struct Message(string Content, string FinishReason, object? LogProbs);

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
