using System.Text;
using System.Text.Json;
using InferenceScaling.Sampling;
using InferenceScaling.Solving;
using InferenceScaling.Tools;
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
    /// <summary>What each field must be, for the errors of a body the deserializer refuses (the sampling fields' from <see cref="SamplingReader"/>).</summary>
    public static IReadOnlyDictionary<string, string> Expected { get; } = SamplingReader.WithExpected(new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["model"] = "a string",
        ["messages"] = "an array of messages",
        ["messages[]"] = "a message object",
        ["messages[].role"] = "a string",
        ["messages[].name"] = "a string",
        ["max_tokens"] = "a whole number",
        ["max_completion_tokens"] = "a whole number",
        ["n"] = "a whole number",
        ["logprobs"] = "true or false",
        ["top_logprobs"] = "a whole number",
        ["stream"] = "true or false",
        ["truncate"] = "true or false",
        ["user"] = "a string",
        ["store"] = "true or false",
    });

    private static readonly string[] Roles = ["system", "developer", "user", "assistant", "tool"];

    /// <summary>Stop strings a request may name (OpenAI takes 4).</summary>
    private const int MaxStops = 4;

    public static async Task<IResult> HandleAsync(ChatCompletionRequest body, ServerState state, CancellationToken cancellationToken)
    {
        var options = state.Options;
        var stream = body.Stream ?? false;
        var includeUsage = SamplingReader.IncludeUsage(body.StreamOptions, stream);
        SamplingReader.RefusePenalties(body.FrequencyPenalty, body.PresencePenalty);

        var (lastUser, history) = ReadConversation(body.Messages);
        var question = SolveEndpoint.ReadQuestion(lastUser, state, "messages");
        var requested = SamplingReader.Read(body.Temperature, body.TopP, body.Seed);
        var maxTokensParam = body.MaxCompletionTokens is not null ? "max_completion_tokens" : "max_tokens";
        var maxTokens = Field.Integer(body.MaxCompletionTokens ?? body.MaxTokens, maxTokensParam, 1, options.MaxTokensPerTrace);
        var n = (int)(Field.Integer(body.N, "n", 1, options.MaxSamplesPerRequest) ?? 1);
        var logprobs = body.Logprobs ?? false;
        var topLogprobs = Field.Integer(body.TopLogprobs, "top_logprobs", 0, 20);
        if (topLogprobs is > 0 && !logprobs) throw ApiException.BadRequest("'top_logprobs' needs 'logprobs': true.", "top_logprobs");
        var stops = SamplingReader.Stops(body.Stop, MaxStops);
        var tools = ToolsReader.Read(body.Tools, state);
        var budgeted = body.Budget is { ValueKind: not JsonValueKind.Null };
        if (budgeted && n != 1) throw ApiException.BadRequest("'n' must be 1 when 'budget' is set: the response is the vote's winning trace.", "n");

        var prompt = state.FormatQuestion(question, history, tools);
        var tokens = state.FitTokens(prompt, "messages", (int?)maxTokens, maxTokensParam, body.Truncate ?? false);
        if (!budgeted && (long)n * tokens > options.MaxTokensPerRequest)
            throw ApiException.BadRequest($"'n' × '{maxTokensParam}' is {(long)n * tokens} tokens; this server allows at most {options.MaxTokensPerRequest} per request.", maxTokensParam);
        var sampling = requested.Over(state.DefaultSampling, tokens, [.. state.StopStrings, .. stops], logprobs ? (int)(topLogprobs ?? 0) : 0, maxTokensParam, "top_logprobs");
        var reply = new Reply("chatcmpl-" + Guid.NewGuid().ToString("N"), DateTimeOffset.UtcNow.ToUnixTimeSeconds(), state.ModelId, requested.Seed, logprobs);

        if (budgeted)
        {
            var budget = state.Ceil(BudgetReader.Read(body.Budget, options));
            if (stream)
            {
                return new EventStreamResult((events, ct) => StreamVoteAsync(
                    reply.Stream(events, includeUsage), state, question, history, budget, sampling, reply, tools, ct));
            }

            var solution = await state.Solver(sampling, state.Decoder(tools), history).SolveAsync(question, budget, cancellationToken).ConfigureAwait(false);
            return state.Json(reply.Body([Choice(0, MessageOf(solution, reply, state))], Usage(solution.Usage.PromptTokens, solution.Usage.GeneratedTokens)) with
            {
                SelfConsistency = SolutionBody.From(solution, budget, traces: false),
            });
        }

        var control = new TraceControl();
        var request = new TraceRequest { Prompt = prompt, Count = n, Sampling = sampling, Control = control, Injector = tools?.Factory };
        if (stream)
        {
            return new EventStreamResult((events, ct) => StreamTracesAsync(
                reply.Stream(events, includeUsage), state, request, reply, ct));
        }

        var traces = new List<Trace>(n);
        // The wall-time ceiling cuts the traces where they are (per-trace cancellation), so what was decoded is kept.
        using (state.CutAtCeiling(control))
        {
            await foreach (var trace in state.Generator.GenerateAsync(request, cancellationToken).ConfigureAwait(false)) traces.Add(trace);
        }

        traces.Sort((a, b) => a.Index.CompareTo(b.Index));
        var promptTokens = traces.Count > 0 ? traces[0].PromptTokens : 0;
        long completion = 0;
        foreach (var trace in traces) completion += trace.GeneratedTokens;
        return state.Json(reply.Body([.. traces.Select((trace, i) => Choice(i, MessageOf(trace, reply, state)))], Usage(promptTokens, completion)) with
        {
            StopReason = traces.Exists(t => t.FinishReason == FinishReason.Cancelled) ? SolutionBody.Name(StopReason.Deadline) : null,
        });
    }

    /// <summary>Streams <c>n</c> sampled traces: each choice's text goes out as soon as its trace is final.</summary>
    private static async Task StreamTracesAsync(ChatCompletionStream stream, ServerState state, TraceRequest request, Reply reply, CancellationToken cancellationToken)
    {
        await stream.WriteRolesAsync(request.Count, cancellationToken).ConfigureAwait(false);
        long promptTokens = 0, completion = 0;
        using (state.CutAtCeiling(request.Control!))
        {
            await foreach (var trace in state.Generator.GenerateAsync(request, cancellationToken).ConfigureAwait(false))
            {
                promptTokens = trace.PromptTokens;
                completion += trace.GeneratedTokens;
                var message = MessageOf(trace, reply, state);
                // Row indices start at 0 (FirstIndex is 0), so a trace's index is its choice's.
                await stream.WriteChoiceAsync(trace.Index, message.Content, message.LogProbs, message.FinishReason, null, cancellationToken).ConfigureAwait(false);
            }
        }

        await stream.EndAsync(Usage(promptTokens, completion), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Streams a self-consistency answer: progress comments while the vote runs, then the winning trace.</summary>
    private static async Task StreamVoteAsync(ChatCompletionStream stream, ServerState state, string question, IReadOnlyList<Templates.ChatTurn> history, Budget budget, SamplingOptions sampling, Reply reply, ToolSet? tools, CancellationToken cancellationToken)
    {
        await stream.WriteRolesAsync(1, cancellationToken).ConfigureAwait(false);
        var progress = new TraceProgress(state.Decoder(tools));
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
        var message = MessageOf(solution, reply, state);
        await stream.WriteChoiceAsync(0, message.Content, message.LogProbs, message.FinishReason, SolutionBody.From(solution, budget, traces: false), cancellationToken).ConfigureAwait(false);
        await stream.EndAsync(Usage(solution.Usage.PromptTokens, solution.Usage.GeneratedTokens), cancellationToken).ConfigureAwait(false);

        async Task<Solution> SolveAsync(CancellationToken token)
        {
            try
            {
                return await state.Solver(sampling, progress, history).SolveAsync(question, budget, token).ConfigureAwait(false);
            }
            finally
            {
                progress.Complete();
            }
        }
    }

    private static ChatUsageBody Usage(long promptTokens, long completionTokens) => new() { PromptTokens = promptTokens, CompletionTokens = completionTokens };

    private static ChatChoiceBody Choice(int index, Message message) => new()
    {
        Index = index,
        Message = new AssistantMessageBody { Content = message.Content },
        Logprobs = message.LogProbs,
        FinishReason = message.FinishReason,
    };

    /// <summary>A trace's message; a trace cut by the wall-time ceiling finishes with <c>length</c>, as one cut by its token limit does.</summary>
    private static Message MessageOf(Trace trace, Reply reply, ServerState state) =>
        new(trace.Text, trace.FinishReason is FinishReason.Length or FinishReason.Cancelled ? "length" : "stop", reply.LogProbs ? LogProbs(trace, state) : null);

    /// <summary>The winning trace's message, or the bare answer when no trace stands for it.</summary>
    private static Message MessageOf(Solution solution, Reply reply, ServerState state) =>
        solution.WinningTrace is { } winner ? MessageOf(winner, reply, state) : new(solution.Answer ?? "", "stop", null);

    /// <summary>What every chunk or body of one completion shares.</summary>
    private sealed record Reply(string Id, long Created, string Model, long Seed, bool LogProbs)
    {
        /// <summary>The non-streamed response: these choices and usage under this completion's id, model and seed.</summary>
        public ChatCompletionBody Body(IReadOnlyList<ChatChoiceBody> choices, ChatUsageBody usage) =>
            new() { Id = Id, Created = Created, Model = Model, Seed = Seed, Choices = choices, Usage = usage };

        /// <summary>The streamed response under this completion's id and model.</summary>
        public ChatCompletionStream Stream(EventStream events, bool includeUsage) => new(events, Id, Created, Model, includeUsage);
    }

    /// <summary>One choice's assistant message: what the non-streamed response holds and the streamed deltas add up to.</summary>
    internal readonly record struct Message(string Content, string FinishReason, LogProbsBody? LogProbs);

    /// <summary>OpenAI's <c>logprobs.content</c>: one entry per generated token, with its top alternatives.</summary>
    private static LogProbsBody LogProbs(Trace trace, ServerState state)
    {
        var tokenizer = state.Model.Tokenizer;
        var content = new TokenLogProbBody[trace.TokenIds.Count];
        for (var i = 0; i < content.Length; i++)
        {
            var text = tokenizer.Decode([trace.TokenIds[i]]);
            var top = trace.TopLogProbs is { } tops && i < tops.Count ? tops[i] : [];
            content[i] = new TokenLogProbBody
            {
                Token = text,
                Logprob = trace.TokenLogProbs[i],
                Bytes = Bytes(text),
                TopLogprobs = [.. top.Select(c =>
                {
                    var alt = tokenizer.Decode([c.TokenId]);
                    return new TopLogProbBody { Token = alt, Logprob = c.LogProb, Bytes = Bytes(alt) };
                })],
            };
        }

        return new LogProbsBody { Content = content };
    }

    /// <summary>UTF-8 bytes as numbers.</summary>
    private static int[] Bytes(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var result = new int[bytes.Length];
        for (var i = 0; i < bytes.Length; i++) result[i] = bytes[i];
        return result;
    }

    /// <summary>
    /// The last user message (the question) and the conversation before it (system, user, assistant and tool turns;
    /// OpenAI's <c>developer</c> role is a system turn), for prompts rendered through a chat template.
    /// </summary>
    internal static (string Question, IReadOnlyList<Templates.ChatTurn> History) ReadConversation(IReadOnlyList<ChatMessageBody?>? messages)
    {
        if (messages is null) throw ApiException.BadRequest("'messages' is required.", "messages", "missing_field");
        if (messages.Count == 0) throw ApiException.BadRequest("'messages' must not be empty.", "messages");
        var turns = new List<Templates.ChatTurn>(messages.Count);
        var last = -1;
        for (var i = 0; i < messages.Count; i++)
        {
            var at = $"messages[{i}]";
            var m = messages[i] ?? throw ApiException.BadRequest($"'{at}' must be a message object, not null.", at, "invalid_type");
            var role = Field.Required(m.Role, $"{at}.role");
            if (Array.IndexOf(Roles, role) < 0) throw ApiException.BadRequest($"'{at}.role' must be one of {string.Join(", ", Roles)}; got '{role}'.", $"{at}.role");
            var text = Content(m.Content, at);
            if (role == "user") last = i;
            turns.Add(new Templates.ChatTurn(role == "developer" ? "system" : role, text));
        }

        if (last < 0) throw ApiException.BadRequest("'messages' holds no user message: the last user message is the question.", "messages");
        return (turns[last].Content, turns[..last]);
    }

    /// <summary>A message's text: a string, or an array of <c>{ "type": "text", "text": … }</c> parts.</summary>
    private static string Content(JsonElement? value, string at)
    {
        if (value is not { ValueKind: not JsonValueKind.Null } content) return "";
        if (content.ValueKind == JsonValueKind.String) return RequestBody.GetString(content, $"{at}.content");
        if (content.ValueKind != JsonValueKind.Array) throw RequestBody.WrongType($"{at}.content", "a string or an array of text parts", content);
        var sb = new StringBuilder();
        var i = 0;
        foreach (var element in content.EnumerateArray())
        {
            var pat = $"{at}.content[{i++}]";
            if (element.ValueKind != JsonValueKind.Object) throw RequestBody.WrongType(pat, "an object", element);
            foreach (var field in element.EnumerateObject())
                if (field.Value.ValueKind == JsonValueKind.String) RequestBody.GetString(field.Value, $"{pat}.{field.Name}");
            ContentPartBody part;
            try
            {
                part = element.Deserialize(ServerJsonContext.Default.ContentPartBody)!;
            }
            catch (JsonException ex)
            {
                var field = RequestBody.ParamOf(ex.Path);
                var param = field is null ? pat : $"{pat}.{field}";
                throw ex.Message.Contains("could not be mapped", StringComparison.Ordinal)
                    ? ApiException.BadRequest($"Unknown field '{param}'.", param, "unknown_field")
                    : ApiException.BadRequest($"'{param}' must be a string.", param, "invalid_type");
            }

            if (part.Type != "text") throw ApiException.BadRequest($"'{pat}.type' must be 'text' (only text is supported).", $"{pat}.type", "unsupported_value");
            sb.Append(part.Text);
        }

        return sb.ToString();
    }
}
