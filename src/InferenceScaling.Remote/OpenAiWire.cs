using System.Text.Json;
using InferenceScaling.Sampling;

namespace InferenceScaling.Remote;

/// <summary>
/// Request bodies and stream chunks of OpenAI's <c>/v1/completions</c> and <c>/v1/chat/completions</c>, with vLLM's
/// extra fields where the endpoint takes them. Written with <see cref="Utf8JsonWriter"/> and read with
/// <see cref="JsonDocument"/>: no reflection.
/// </summary>
internal static class OpenAiWire
{
    /// <summary>Log-probs to ask per token: enough for the confidence and the requested top list, within the endpoint's cap.</summary>
    public static int LogProbCount(SamplingOptions s, int cap) => Math.Min(cap, Math.Max(s.ConfidenceTopK, Math.Max(1, s.TopLogProbs)));

    /// <summary>vLLM's parallel sampling gives child i of a request with seed S the seed S + i; trace i gets the same.</summary>
    public static long Seed(SamplingOptions s, int index) => (long)((s.Seed + (ulong)(uint)index) & long.MaxValue);

    /// <summary>A streamed <c>/v1/completions</c> request for one trace.</summary>
    public static byte[] CompletionRequest(string model, string prompt, SamplingOptions s, int index, bool vllmLike, int logProbCap) => EndpointPool.Json(w =>
    {
        w.WriteStartObject();
        w.WriteString("model", model);
        w.WriteString("prompt", prompt);
        w.WriteNumber("n", 1);
        w.WriteNumber("max_tokens", s.MaxTokens);
        w.WriteNumber("temperature", s.Temperature);
        w.WriteNumber("top_p", s.TopP);
        w.WriteNumber("seed", Seed(s, index));
        w.WriteNumber("logprobs", LogProbCount(s, logProbCap));
        WriteStop(w, s);
        w.WriteBoolean("stream", true);
        w.WriteStartObject("stream_options");
        w.WriteBoolean("include_usage", true);
        w.WriteEndObject();
        if (vllmLike) WriteVllmFields(w, s);
        w.WriteEndObject();
    });

    /// <summary>A streamed <c>/v1/chat/completions</c> request for one trace (the prompt as one user message).</summary>
    public static byte[] ChatRequest(string model, string prompt, SamplingOptions s, int index, bool vllmLike, int logProbCap) => EndpointPool.Json(w =>
    {
        w.WriteStartObject();
        w.WriteString("model", model);
        w.WriteStartArray("messages");
        w.WriteStartObject();
        w.WriteString("role", "user");
        w.WriteString("content", prompt);
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteNumber("n", 1);
        w.WriteNumber("max_tokens", s.MaxTokens);
        w.WriteNumber("temperature", s.Temperature);
        w.WriteNumber("top_p", s.TopP);
        w.WriteNumber("seed", Seed(s, index));
        w.WriteBoolean("logprobs", true);
        w.WriteNumber("top_logprobs", LogProbCount(s, logProbCap));
        WriteStop(w, s);
        w.WriteBoolean("stream", true);
        w.WriteStartObject("stream_options");
        w.WriteBoolean("include_usage", true);
        w.WriteEndObject();
        if (vllmLike) WriteVllmFields(w, s);
        w.WriteEndObject();
    });

    private static void WriteStop(Utf8JsonWriter w, SamplingOptions s)
    {
        if (s.StopStrings.Count == 0) return;
        w.WriteStartArray("stop");
        foreach (var stop in s.StopStrings) w.WriteStringValue(stop);
        w.WriteEndArray();
    }

    private static void WriteVllmFields(Utf8JsonWriter w, SamplingOptions s)
    {
        // Always sent, "off" included: vLLM, SGLang and our own service apply the model folder's top_k and min_p to a
        // request that leaves them out, so an omitted field would not mean off. -1 is off on all three (and llama.cpp).
        w.WriteNumber("top_k", s.TopK > 0 ? s.TopK : -1);
        w.WriteNumber("min_p", s.MinP);
        if (s.IgnoreEndOfSequence) w.WriteBoolean("ignore_eos", true);
        w.WriteBoolean("return_tokens_as_token_ids", true);
    }

    /// <summary>
    /// Reads one stream chunk into <paramref name="trace"/>. Returns false when the chunk carries an <c>error</c>
    /// object (vLLM reports failures inside a stream that way), with its message.
    /// </summary>
    /// <exception cref="JsonException">The chunk is not the shape either API writes.</exception>
    public static bool ReadChunk(ReadOnlySpan<char> data, bool chat, TraceAccumulator trace, RemoteVocabulary vocabulary, List<TokenLogProb> scratch, out string? error)
    {
        error = null;
        using var doc = JsonDocument.Parse(data.ToString());
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object) throw new JsonException("a stream chunk is not a JSON object");
        if (root.TryGetProperty("error", out var err) && err.ValueKind != JsonValueKind.Null)
        {
            error = err.ValueKind == JsonValueKind.Object && err.TryGetProperty("message", out var m) ? m.ToString() : err.ToString();
            return false;
        }

        if (root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object
            && usage.TryGetProperty("prompt_tokens", out var pt) && pt.ValueKind == JsonValueKind.Number) trace.PromptTokens = pt.GetInt32();
        if (!root.TryGetProperty("choices", out var choices) || choices.ValueKind != JsonValueKind.Array) throw new JsonException("a stream chunk has no 'choices' array");
        foreach (var choice in choices.EnumerateArray())
        {
            if (chat) ReadChatChoice(choice, trace, vocabulary, scratch);
            else ReadCompletionChoice(choice, trace, vocabulary, scratch);
            if (choice.TryGetProperty("finish_reason", out var fr) && fr.ValueKind == JsonValueKind.String)
                trace.Finish = Finish(fr.GetString()!, choice.TryGetProperty("stop_reason", out var sr) ? sr : default);
        }

        return true;
    }

    /// <summary><c>length</c> → Length; <c>stop</c> with vLLM's <c>stop_reason</c> a string → StopString; other stops → EndOfSequence.</summary>
    internal static FinishReason Finish(string reason, JsonElement stopReason) => reason switch
    {
        "length" => FinishReason.Length,
        "stop" when stopReason.ValueKind == JsonValueKind.String => FinishReason.StopString,
        "abort" or "cancelled" => FinishReason.Cancelled,
        _ => FinishReason.EndOfSequence,
    };

    private static void ReadCompletionChoice(JsonElement choice, TraceAccumulator trace, RemoteVocabulary vocabulary, List<TokenLogProb> scratch)
    {
        var chunkText = choice.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String ? text.GetString()! : "";
        trace.AppendText(chunkText);
        if (!choice.TryGetProperty("logprobs", out var lp) || lp.ValueKind != JsonValueKind.Object) return;
        var tokens = lp.GetProperty("tokens");
        var logProbs = lp.GetProperty("token_logprobs");
        lp.TryGetProperty("top_logprobs", out var tops);
        lp.TryGetProperty("text_offset", out var offsets);
        var n = tokens.GetArrayLength();
        if (logProbs.GetArrayLength() != n) throw new JsonException("'tokens' and 'token_logprobs' differ in length");
        for (var j = 0; j < n; j++)
        {
            scratch.Clear();
            if (tops.ValueKind == JsonValueKind.Array && j < tops.GetArrayLength() && tops[j] is { ValueKind: JsonValueKind.Object } top)
            {
                foreach (var p in top.EnumerateObject())
                    if (p.Value.ValueKind == JsonValueKind.Number) scratch.Add(new TokenLogProb(vocabulary.Id(p.Name), p.Value.GetSingle()));
            }

            var l = logProbs[j];
            int? offset = offsets.ValueKind == JsonValueKind.Array && j < offsets.GetArrayLength() ? offsets[j].GetInt32() : null;
            // Without offsets the chunk's text goes to its last token (a streamed chunk is usually one token).
            trace.AddToken(vocabulary.Id(tokens[j].GetString()!), l.ValueKind == JsonValueKind.Number ? l.GetSingle() : 0f, scratch, offset, offset is null && j == n - 1 ? chunkText.Length : 0);
        }
    }

    private static void ReadChatChoice(JsonElement choice, TraceAccumulator trace, RemoteVocabulary vocabulary, List<TokenLogProb> scratch)
    {
        if (choice.TryGetProperty("delta", out var delta) && delta.ValueKind == JsonValueKind.Object
            && delta.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String) trace.AppendText(content.GetString()!);
        if (!choice.TryGetProperty("logprobs", out var lp) || lp.ValueKind != JsonValueKind.Object
            || !lp.TryGetProperty("content", out var items) || items.ValueKind != JsonValueKind.Array) return;
        foreach (var item in items.EnumerateArray())
        {
            scratch.Clear();
            if (item.TryGetProperty("top_logprobs", out var tops) && tops.ValueKind == JsonValueKind.Array)
            {
                foreach (var t in tops.EnumerateArray())
                    scratch.Add(new TokenLogProb(vocabulary.Id(t.GetProperty("token").GetString()!), t.GetProperty("logprob").GetSingle()));
            }

            var token = item.GetProperty("token").GetString()!;
            trace.AddToken(vocabulary.Id(token), item.GetProperty("logprob").GetSingle(), scratch, null, token.Length);
        }
    }
}
