using System.Security.Cryptography;
using System.Text.Json;
using InferenceScaling.Runtime;
using InferenceScaling.Sampling;
using Microsoft.AspNetCore.Http;
using Trace = InferenceScaling.Sampling.Trace;

namespace InferenceScaling.Server;

/// <summary>
/// <c>POST /v1/completions</c> in vLLM's shape: raw prompts (a string, token ids, or a list of either), <c>n</c>
/// sampled choices per prompt, <c>logprobs</c> (<c>tokens</c>, <c>token_logprobs</c>, <c>top_logprobs</c>,
/// <c>text_offset</c>), <c>echo</c> with the prompt's log-probs (the first null; scored by teacher forcing),
/// <c>max_tokens</c> 0 with <c>echo</c> for log-likelihoods only, <c>usage</c>, streaming, and vLLM's <c>top_k</c>,
/// <c>min_p</c>, <c>ignore_eos</c>, <c>return_tokens_as_token_ids</c> and <c>stop_reason</c>. So lm-eval-harness's
/// <c>local-completions</c> and another InferenceScaling (<c>--backend</c>) can drive this service.
/// </summary>
/// <remarks>
/// Choices are numbered prompt-major (prompt p's choice j is <c>p × n + j</c>), as OpenAI does. Choice j of a request
/// with seed S draws from row stream (S, j) of the service's sampler. Token-id prompts are decoded to text and the
/// text is sampled from (the engine prefills text); their echo is scored on the ids as given. A stream sends each
/// choice whole, in one chunk, once its trace is final (the decode loop yields finished traces), then the usage chunk
/// when <c>stream_options.include_usage</c> is set, then <c>[DONE]</c>.
/// </remarks>
internal static class CompletionsEndpoint
{
    /// <summary>What each field must be, for the errors of a body the deserializer refuses (the sampling fields' from <see cref="SamplingReader"/>).</summary>
    public static IReadOnlyDictionary<string, string> Expected { get; } = SamplingReader.WithExpected(new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["model"] = "a string",
        ["n"] = "a whole number",
        ["best_of"] = "a whole number",
        ["max_tokens"] = "a whole number",
        ["top_k"] = "a whole number",
        ["min_p"] = "a number",
        ["logprobs"] = "a whole number",
        ["echo"] = "true or false",
        ["stream"] = "true or false",
        ["user"] = "a string",
        ["ignore_eos"] = "true or false",
        ["return_tokens_as_token_ids"] = "true or false",
        ["suffix"] = "a string",
    });

    private const int MaxPrompts = 64;

    /// <summary>Stop strings a request may name (vLLM sets no limit; OpenAI's legacy endpoint takes 4).</summary>
    private const int MaxStops = 16;

    public static async Task<IResult> HandleAsync(CompletionRequest body, ServerState state, CancellationToken cancellationToken)
    {
        var job = Read(body, state);
        var id = "cmpl-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        if (job.Stream)
            return new EventStreamResult((events, ct) => StreamAsync(events, state, job, id, created, ct));
        var choices = new CompletionChoiceBody[job.Prompts.Count * job.N];
        var usage = await RunAsync(state, job, (c, _) =>
        {
            choices[c.Index] = c;
            return ValueTask.CompletedTask;
        }, cancellationToken).ConfigureAwait(false);
        return state.Json(new CompletionBody { Id = id, Created = created, Model = state.ModelId, Choices = choices, Usage = usage });
    }

    private static async Task StreamAsync(EventStream events, ServerState state, CompletionJob job, string id, long created, CancellationToken cancellationToken)
    {
        var usage = await RunAsync(state, job, (c, ct) => events.WriteDataAsync(
            new CompletionChunkBody { Id = id, Created = created, Model = state.ModelId, Choices = [c] }, ct), cancellationToken).ConfigureAwait(false);
        if (job.IncludeUsage)
            await events.WriteDataAsync(new CompletionChunkBody { Id = id, Created = created, Model = state.ModelId, Choices = [], Usage = usage }, cancellationToken).ConfigureAwait(false);
        await events.WriteDoneAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Scores echoes, samples every prompt's choices (all prompts at once), hands each choice over as it is final.</summary>
    private static async Task<CompletionUsageBody> RunAsync(ServerState state, CompletionJob job, Func<CompletionChoiceBody, CancellationToken, ValueTask> deliver, CancellationToken cancellationToken)
    {
        var tokenizer = state.Model.Tokenizer;
        var echoes = new EchoedPrompt?[job.Prompts.Count];
        if (job.Echo)
        {
            // Through the scheduler's admission, like decoding: echoes never run on the model beside a decode step.
            var scorer = state.Scheduler.GetService<OnnxContinuationScorer>()!;
            var scored = new List<int>();
            for (var p = 0; p < job.Prompts.Count; p++)
                if (job.Prompts[p].Ids.Length >= 2 && job.LogProbs is not null) scored.Add(p);
            var scores = scored.Count == 0 ? [] : await scorer.ScoreTokensAsync(scored.Select(p => job.Prompts[p].Ids).ToArray(), 1, Math.Max(1, job.LogProbs ?? 1), cancellationToken).ConfigureAwait(false);
            for (var p = 0; p < job.Prompts.Count; p++)
            {
                var at = scored.IndexOf(p);
                echoes[p] = Echo(job.Prompts[p], at < 0 ? null : scores[at], job, tokenizer);
            }
        }

        long promptTokens = 0;
        foreach (var prompt in job.Prompts) promptTokens += prompt.Ids.Length;
        long completionTokens = 0;
        if (job.MaxTokens == 0)
        {
            // Log-likelihood only: the echo is the whole answer.
            for (var p = 0; p < job.Prompts.Count; p++)
                for (var j = 0; j < job.N; j++)
                    await deliver(Choice(p * job.N + j, echoes[p], null, job, tokenizer), cancellationToken).ConfigureAwait(false);
            return new CompletionUsageBody { PromptTokens = promptTokens, CompletionTokens = 0 };
        }

        var finished = System.Threading.Channels.Channel.CreateUnbounded<(int Prompt, Trace Trace)>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var runs = new Task[job.Prompts.Count];
        for (var p = 0; p < runs.Length; p++)
        {
            var prompt = p;
            var control = new TraceControl();
            var request = new TraceRequest { Prompt = job.Prompts[p].Text, Count = job.N, Sampling = job.Sampling, Control = control };
            runs[p] = Task.Run(async () =>
            {
                // The wall-time ceiling cuts the traces where they are, so what was decoded is kept.
                using var ceiling = state.CutAtCeiling(control);
                await foreach (var trace in state.Generator.GenerateAsync(request, stop.Token).ConfigureAwait(false))
                    finished.Writer.TryWrite((prompt, trace));
            }, stop.Token);
        }

        var all = Task.WhenAll(runs).ContinueWith(t => finished.Writer.TryComplete(t.Exception?.InnerException), TaskScheduler.Default);
        try
        {
            await foreach (var (p, trace) in finished.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                completionTokens += trace.GeneratedTokens;
                await deliver(Choice(p * job.N + trace.Index, echoes[p], trace, job, tokenizer), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await all.ConfigureAwait(false);
        }

        return new CompletionUsageBody { PromptTokens = promptTokens, CompletionTokens = completionTokens };
    }

    /// <summary>The prompt's text and, when log-probs were asked for, its tokens with theirs (the first null).</summary>
    private static EchoedPrompt Echo(PromptInput prompt, ContinuationScore? score, CompletionJob job, Tokenization.ModelTokenizer tokenizer)
    {
        if (job.LogProbs is null) return new EchoedPrompt(prompt.Text, null);
        var n = prompt.Ids.Length;
        var lp = new CompletionLogProbsBody(n);
        var offset = 0;
        for (var t = 0; t < n; t++)
        {
            var id = prompt.Ids[t];
            var piece = tokenizer.Decode([id]);
            lp.Tokens.Add(TokenName(id, piece, job));
            lp.TextOffset.Add(offset);
            offset += piece.Length;
            if (t == 0 || score is null)
            {
                lp.TokenLogprobs.Add(null);
                lp.TopLogprobs.Add(null);
                continue;
            }

            var value = score.TokenLogProbs[t - 1];
            lp.TokenLogprobs.Add(value);
            lp.TopLogprobs.Add(TopDictionary(score.TopLogProbs![t - 1], id, value, job, tokenizer));
        }

        return new EchoedPrompt(prompt.Text, lp);
    }

    private static CompletionChoiceBody Choice(int index, EchoedPrompt? echo, Trace? trace, CompletionJob job, Tokenization.ModelTokenizer tokenizer)
    {
        var text = (echo?.Text ?? "") + (trace?.Text ?? "");
        CompletionLogProbsBody? logprobs = null;
        if (job.LogProbs is not null)
        {
            logprobs = echo?.LogProbs?.Copy() ?? new CompletionLogProbsBody(trace?.GeneratedTokens ?? 0);
            if (trace is not null)
            {
                var offset = echo?.Text.Length ?? 0;
                for (var t = 0; t < trace.TokenIds.Count; t++)
                {
                    var id = trace.TokenIds[t];
                    var piece = tokenizer.Decode([id]);
                    logprobs.Tokens.Add(TokenName(id, piece, job));
                    logprobs.TextOffset.Add(offset);
                    offset += piece.Length;
                    logprobs.TokenLogprobs.Add(trace.TokenLogProbs[t]);
                    var top = trace.TopLogProbs is { } tops && t < tops.Count ? tops[t] : [];
                    logprobs.TopLogprobs.Add(TopDictionary(top, id, trace.TokenLogProbs[t], job, tokenizer));
                }
            }
        }

        var (finish, stopReason) = trace is null ? ("length", null) : Finish(trace, job, tokenizer);
        return new CompletionChoiceBody { Index = index, Text = text, Logprobs = logprobs, FinishReason = finish, StopReason = stopReason };
    }

    /// <summary>OpenAI's finish reason, and vLLM's <c>stop_reason</c>: the stop string that ended the text (null at end of sequence).</summary>
    private static (string Finish, string? StopReason) Finish(Trace trace, CompletionJob job, Tokenization.ModelTokenizer tokenizer)
    {
        if (trace.FinishReason == FinishReason.Length) return ("length", null);
        if (trace.FinishReason != FinishReason.StopString) return ("stop", null);
        var full = tokenizer.Decode(trace.TokenIds);
        string? first = null;
        var at = int.MaxValue;
        foreach (var s in job.Sampling.StopStrings)
        {
            var i = full.IndexOf(s, StringComparison.Ordinal);
            if (i >= 0 && i < at) { at = i; first = s; }
        }

        return ("stop", first);
    }

    /// <summary>vLLM's <c>top_logprobs</c> entry: the k likeliest tokens and the chosen one, by token text.</summary>
    private static Dictionary<string, float> TopDictionary(IReadOnlyList<TokenLogProb> top, int chosen, float chosenLogProb, CompletionJob job, Tokenization.ModelTokenizer tokenizer)
    {
        var map = new Dictionary<string, float>(top.Count + 1, StringComparer.Ordinal);
        var k = Math.Min(top.Count, job.LogProbs ?? 0);
        for (var i = 0; i < k; i++) map.TryAdd(TokenName(top[i].TokenId, tokenizer.Decode([top[i].TokenId]), job), top[i].LogProb);
        map.TryAdd(TokenName(chosen, tokenizer.Decode([chosen]), job), chosenLogProb);
        return map;
    }

    private static string TokenName(int id, string piece, CompletionJob job) => job.TokenIds ? $"token_id:{id}" : piece;

    /// <summary>Checks the request; every refusal is a 400 (404 for another model) naming the field.</summary>
    private static CompletionJob Read(CompletionRequest body, ServerState state)
    {
        var options = state.Options;
        var model = state.Model;
        if (body.Model is { } name && name != state.ModelId)
            throw new ApiException(404, $"The model '{name}' does not exist; this service serves '{state.ModelId}'.", "model", "model_not_found");
        if (body.Suffix is { Length: > 0 }) throw ApiException.BadRequest("'suffix' is not supported.", "suffix", "unsupported_value");
        if (body.LogitBias is { ValueKind: JsonValueKind.Object } bias && bias.EnumerateObject().Any())
            throw ApiException.BadRequest("'logit_bias' is not supported.", "logit_bias", "unsupported_value");
        SamplingReader.RefusePenalties(body.FrequencyPenalty, body.PresencePenalty);

        var stream = body.Stream ?? false;
        var includeUsage = SamplingReader.IncludeUsage(body.StreamOptions, stream);
        var n = (int)(Field.Integer(body.N, "n", 1, options.MaxSamplesPerRequest) ?? 1);
        if (Field.Integer(body.BestOf, "best_of", 1, options.MaxSamplesPerRequest) is { } bestOf && bestOf != n)
            throw ApiException.BadRequest("'best_of' is not supported unless it equals 'n'.", "best_of", "unsupported_value");
        var echo = body.Echo ?? false;
        var namedMaxTokens = Field.Integer(body.MaxTokens, "max_tokens", 0, options.MaxTokensPerTrace);
        var maxTokens = (int)(namedMaxTokens ?? Math.Min(16, options.MaxTokensPerTrace));
        if (maxTokens == 0 && !echo) throw ApiException.BadRequest("'max_tokens' 0 is only allowed with 'echo': true (log-likelihood of the prompt).", "max_tokens");
        var logprobs = Field.Integer(body.Logprobs, "logprobs", 0, 20) is { } l ? (int?)l : null;
        var requested = SamplingReader.Read(body.Temperature, body.TopP, body.Seed, body.TopK, body.MinP);
        var stops = SamplingReader.Stops(body.Stop, MaxStops);
        var prompts = Prompts(body.Prompt, model);
        var context = model.Signature.ContextLength;
        for (var p = 0; p < prompts.Count; p++)
        {
            var at = prompts.Count > 1 ? $" at index {p}" : "";
            var length = prompts[p].Ids.Length;
            if (length > context || (length == context && maxTokens > 0))
                throw ApiException.BadRequest($"The prompt{at} is {length} tokens; the model's context is {context}, leaving no room for an answer.", "prompt", "context_length_exceeded");
            if (length + maxTokens <= context) continue;
            // The default is cut to fit (as chat's is); only a 'max_tokens' the client named is refused.
            if (namedMaxTokens is null) maxTokens = context - length;
            else
                throw ApiException.BadRequest($"The prompt{at} is {length} tokens and 'max_tokens' asks for {maxTokens}; the model's context is {context}. Ask for at most {context - length}.",
                    "max_tokens", "context_length_exceeded");
        }

        var total = (long)prompts.Count * n * maxTokens;
        if (total > options.MaxTokensPerRequest)
            throw ApiException.BadRequest($"prompts × 'n' × 'max_tokens' is {total} tokens; this server allows at most {options.MaxTokensPerRequest} per request.", "max_tokens");
        // Raw prompts: the request's stop strings only, not the prompt set's.
        var sampling = requested.Over(state.DefaultSampling, Math.Max(1, maxTokens), stops, logprobs ?? 0, "max_tokens", "logprobs", body.IgnoreEos ?? false);
        return new CompletionJob(prompts, n, maxTokens, echo, logprobs, body.ReturnTokensAsTokenIds ?? false, stream, includeUsage, sampling);
    }

    /// <summary>The prompts: a string, a list of token ids, or a list of either (one request, several prompts).</summary>
    private static IReadOnlyList<PromptInput> Prompts(JsonElement? value, DecoderModel model)
    {
        if (value is not { ValueKind: not JsonValueKind.Null } prompt) throw ApiException.BadRequest("'prompt' is required.", "prompt", "missing_field");
        var list = new List<PromptInput>();
        switch (prompt.ValueKind)
        {
            case JsonValueKind.String:
                list.Add(FromText(RequestBody.GetString(prompt, "prompt"), "prompt", model));
                break;
            case JsonValueKind.Array when prompt.GetArrayLength() == 0:
                throw ApiException.BadRequest("'prompt' must not be empty.", "prompt");
            case JsonValueKind.Array when prompt[0].ValueKind == JsonValueKind.Number:
                list.Add(FromIds(prompt, "prompt", model));
                break;
            case JsonValueKind.Array:
                if (prompt.GetArrayLength() > MaxPrompts) throw ApiException.BadRequest($"'prompt' holds at most {MaxPrompts} prompts.", "prompt");
                var i = 0;
                foreach (var item in prompt.EnumerateArray())
                {
                    var param = $"prompt[{i++}]";
                    list.Add(item.ValueKind switch
                    {
                        JsonValueKind.String => FromText(RequestBody.GetString(item, param), param, model),
                        JsonValueKind.Array => FromIds(item, param, model),
                        _ => throw RequestBody.WrongType(param, "a string or an array of token ids", item),
                    });
                }

                break;
            default:
                throw RequestBody.WrongType("prompt", "a string, an array of token ids, or an array of those", prompt);
        }

        return list;
    }

    private static PromptInput FromText(string text, string param, DecoderModel model)
    {
        if (text.Length == 0) throw ApiException.BadRequest($"'{param}' must not be empty.", param);
        return new PromptInput(text, model.Tokenizer.Encode(text));
    }

    private static PromptInput FromIds(JsonElement array, string param, DecoderModel model)
    {
        var n = array.GetArrayLength();
        if (n == 0) throw ApiException.BadRequest($"'{param}' must not be empty.", param);
        var ids = new int[n];
        var vocabulary = model.Signature.VocabularySize;
        for (var i = 0; i < n; i++)
        {
            var e = array[i];
            if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt32(out var id) || id < 0 || id >= vocabulary)
                throw ApiException.BadRequest($"'{param}[{i}]' must be a token id in [0, {vocabulary}); got {e.GetRawText()}.", $"{param}[{i}]");
            ids[i] = id;
        }

        var text = model.Tokenizer.Decode(ids);
        if (text.Length == 0) throw ApiException.BadRequest($"'{param}' decodes to no text.", param);
        return new PromptInput(text, ids);
    }

    /// <summary>One prompt: its text (what is sampled from) and its token ids (what is echoed and scored).</summary>
    private sealed record PromptInput(string Text, int[] Ids);

    /// <summary>A prompt's echo: its text and its tokens' log-probs (null when not asked for).</summary>
    private sealed record EchoedPrompt(string Text, CompletionLogProbsBody? LogProbs);

    /// <summary>A checked request.</summary>
    private sealed record CompletionJob(IReadOnlyList<PromptInput> Prompts, int N, int MaxTokens, bool Echo, int? LogProbs, bool TokenIds,
        bool Stream, bool IncludeUsage, SamplingOptions Sampling);
}

/// <summary>The body of <c>POST /v1/completions</c> (OpenAI's legacy completions fields and vLLM's extras this service reads).</summary>
internal sealed record CompletionRequest
{
    public string? Model { get; init; }

    /// <summary>A string, an array of token ids, or an array of either (read by <see cref="CompletionsEndpoint"/>).</summary>
    public JsonElement? Prompt { get; init; }

    public long? N { get; init; }

    public long? BestOf { get; init; }

    public long? MaxTokens { get; init; }

    public double? Temperature { get; init; }

    public double? TopP { get; init; }

    public long? TopK { get; init; }

    public double? MinP { get; init; }

    /// <summary>A string or an array of strings.</summary>
    public JsonElement? Stop { get; init; }

    public long? Seed { get; init; }

    public long? Logprobs { get; init; }

    public bool? Echo { get; init; }

    public bool? Stream { get; init; }

    public StreamOptionsBody? StreamOptions { get; init; }

    public string? User { get; init; }

    public double? PresencePenalty { get; init; }

    public double? FrequencyPenalty { get; init; }

    public bool? IgnoreEos { get; init; }

    public bool? ReturnTokensAsTokenIds { get; init; }

    public string? Suffix { get; init; }

    public JsonElement? LogitBias { get; init; }
}

/// <summary>A <c>text_completion</c> response.</summary>
internal sealed record CompletionBody
{
    public required string Id { get; init; }

    public string Object { get; init; } = "text_completion";

    public required long Created { get; init; }

    public required string Model { get; init; }

    public required IReadOnlyList<CompletionChoiceBody> Choices { get; init; }

    public required CompletionUsageBody Usage { get; init; }
}

/// <summary>One chunk of a streamed <c>text_completion</c>: one choice, or none and the usage.</summary>
internal sealed record CompletionChunkBody
{
    public required string Id { get; init; }

    public string Object { get; init; } = "text_completion";

    public required long Created { get; init; }

    public required string Model { get; init; }

    public required IReadOnlyList<CompletionChoiceBody> Choices { get; init; }

    public CompletionUsageBody? Usage { get; init; }
}

/// <summary>One completion choice.</summary>
internal sealed record CompletionChoiceBody
{
    public required int Index { get; init; }

    public required string Text { get; init; }

    public required CompletionLogProbsBody? Logprobs { get; init; }

    public required string FinishReason { get; init; }

    /// <summary>vLLM's: the stop string that ended the choice; null at end of sequence or length.</summary>
    public string? StopReason { get; init; }
}

/// <summary>The legacy completions <c>logprobs</c> object: parallel lists, one entry per token.</summary>
internal sealed class CompletionLogProbsBody(int capacity)
{
    public List<string> Tokens { get; } = new(capacity);

    public List<float?> TokenLogprobs { get; } = new(capacity);

    public List<Dictionary<string, float>?> TopLogprobs { get; } = new(capacity);

    public List<int> TextOffset { get; } = new(capacity);

    /// <summary>A copy to append a choice's tokens to (the echo is shared by the prompt's choices).</summary>
    public CompletionLogProbsBody Copy()
    {
        var copy = new CompletionLogProbsBody(Tokens.Count + 16);
        copy.Tokens.AddRange(Tokens);
        copy.TokenLogprobs.AddRange(TokenLogprobs);
        copy.TopLogprobs.AddRange(TopLogprobs);
        copy.TextOffset.AddRange(TextOffset);
        return copy;
    }
}

/// <summary>Token usage of a completion.</summary>
internal sealed record CompletionUsageBody
{
    public required long PromptTokens { get; init; }

    public required long CompletionTokens { get; init; }

    public long TotalTokens => PromptTokens + CompletionTokens;
}
