using System.Text.Json;
using InferenceScaling.Sampling;

namespace InferenceScaling.Server;

/// <summary>
/// The request → <see cref="SamplingOptions"/> step <c>/v1/completions</c> and <c>/v1/chat/completions</c> share:
/// penalties, <c>stream_options</c>, <c>temperature</c>, <c>top_p</c>, <c>top_k</c>, <c>min_p</c>, <c>seed</c> and
/// <c>stop</c>, each refusal a 400 naming the field; then the service's default sampling with the request's settings
/// over it, checked by the sampler. Each endpoint calls the pieces in its own order, so a body with several bad fields
/// is answered about the one it always was.
/// </summary>
internal static class SamplingReader
{
    /// <summary>What the fields read here must be, for the errors of a body the deserializer refuses.</summary>
    private static readonly KeyValuePair<string, string>[] Expected =
    [
        new("temperature", "a number"),
        new("top_p", "a number"),
        new("seed", "a whole number in [-9223372036854775808, 9223372036854775807]"),
        new("stream_options", "an object"),
        new("stream_options.include_usage", "true or false"),
        new("stream_options.include_obfuscation", "true or false"),
        new("frequency_penalty", "a number"),
        new("presence_penalty", "a number"),
    ];

    /// <summary>An endpoint's own field descriptions with those of the fields read here added.</summary>
    public static IReadOnlyDictionary<string, string> WithExpected(Dictionary<string, string> endpointFields)
    {
        foreach (var (field, expected) in Expected) endpointFields.Add(field, expected);
        return endpointFields;
    }

    /// <summary>A <c>frequency_penalty</c> or <c>presence_penalty</c> other than 0 is refused: the sampler has no penalties.</summary>
    public static void RefusePenalties(double? frequencyPenalty, double? presencePenalty)
    {
        if (Field.Number(frequencyPenalty, "frequency_penalty", -2, 2) is { } fp && fp != 0)
            throw ApiException.BadRequest("'frequency_penalty' is not supported (only 0).", "frequency_penalty", "unsupported_value");
        if (Field.Number(presencePenalty, "presence_penalty", -2, 2) is { } pp && pp != 0)
            throw ApiException.BadRequest("'presence_penalty' is not supported (only 0).", "presence_penalty", "unsupported_value");
    }

    /// <summary>
    /// <c>stream_options.include_usage</c>; <c>stream_options</c> is allowed only with <c>"stream": true</c> (as OpenAI
    /// does), and its <c>include_obfuscation</c> is accepted and ignored (no padding field is added).
    /// </summary>
    public static bool IncludeUsage(StreamOptionsBody? streamOptions, bool stream)
    {
        if (streamOptions is null) return false;
        if (!stream) throw ApiException.BadRequest("'stream_options' is only allowed when 'stream' is true.", "stream_options");
        return streamOptions.IncludeUsage ?? false;
    }

    /// <summary>
    /// <c>temperature</c> in [0, 2], <c>top_p</c> in (0, 1], <c>top_k</c> ≥ −1 (−1 and 0 turn it off), <c>min_p</c> in
    /// [0, 1), and the seed (a fresh one when absent, returned so the call can be replayed). Endpoints without
    /// <c>top_k</c> or <c>min_p</c> pass null.
    /// </summary>
    public static RequestedSampling Read(double? temperature, double? topP, long? seed, long? topK = null, double? minP = null)
    {
        var t = Field.Number(temperature, "temperature", 0, 2);
        var p = Field.Number(topP, "top_p", 0, 1, minExclusive: true);
        var k = Field.Integer(topK, "top_k", -1, int.MaxValue);
        var m = Field.Number(minP, "min_p", 0, 1);
        if (m is >= 1) throw ApiException.BadRequest("'min_p' must be in [0, 1).", "min_p");
        return new RequestedSampling(t, p, k, m, seed ?? ServerState.FreshSeed());
    }

    /// <summary><c>stop</c>: a non-empty string, or an array of at most <paramref name="most"/> non-empty strings.</summary>
    public static string[] Stops(JsonElement? value, int most)
    {
        if (value is not { ValueKind: not JsonValueKind.Null } stop) return [];
        if (stop.ValueKind == JsonValueKind.String)
            return RequestBody.GetString(stop, "stop") is { Length: > 0 } one ? [one] : throw ApiException.BadRequest("'stop' must not be empty.", "stop");
        if (stop.ValueKind != JsonValueKind.Array) throw RequestBody.WrongType("stop", "a string or an array of strings", stop);
        if (stop.GetArrayLength() > most) throw ApiException.BadRequest($"'stop' holds at most {most} strings.", "stop");
        var list = new List<string>();
        foreach (var s in stop.EnumerateArray())
        {
            if (s.ValueKind != JsonValueKind.String || RequestBody.GetString(s, "stop") is not { Length: > 0 } text)
                throw ApiException.BadRequest("'stop' entries must be non-empty strings.", "stop");
            list.Add(text);
        }

        return [.. list];
    }
}

/// <summary>The sampling settings a request names, range-checked; null where it names none (the service's default holds).</summary>
internal readonly record struct RequestedSampling(double? Temperature, double? TopP, long? TopK, double? MinP, long Seed)
{
    /// <summary>
    /// <paramref name="defaults"/> (the service's: the model folder's temperature, top_p and top_k) with the request's
    /// settings over it, checked by the sampler: a value in the field's range as a number but not as the sampler's
    /// float (a <c>top_p</c> of 1e-50 rounds to 0) is a 400 naming the field, before anything is decoded or streamed.
    /// </summary>
    /// <param name="defaults">The service's default sampling.</param>
    /// <param name="maxTokens">The per-trace token limit, already fitted to the context.</param>
    /// <param name="stops">Every stop string (the endpoint's own and the request's).</param>
    /// <param name="topLogProbs">How many alternatives' log-probs to keep per token.</param>
    /// <param name="maxTokensParam">The field the token limit came from, for the error.</param>
    /// <param name="logProbsParam">The field the log-prob count came from, for the error.</param>
    /// <param name="ignoreEndOfSequence">vLLM's <c>ignore_eos</c>.</param>
    public SamplingOptions Over(SamplingOptions defaults, int maxTokens, IReadOnlyList<string> stops, int topLogProbs, string maxTokensParam, string logProbsParam, bool ignoreEndOfSequence = false)
    {
        var sampling = defaults with
        {
            Temperature = Temperature is { } t ? (float)t : defaults.Temperature,
            TopP = TopP is { } p ? (float)p : defaults.TopP,
            TopK = TopK is { } k ? (k > 0 ? (int)k : 0) : defaults.TopK,
            MinP = MinP is { } m ? (float)m : defaults.MinP,
            Seed = unchecked((ulong)Seed),
            MaxTokens = maxTokens,
            StopStrings = stops,
            TopLogProbs = topLogProbs,
            IgnoreEndOfSequence = ignoreEndOfSequence,
        };
        try
        {
            return sampling.Validate();
        }
        catch (ArgumentException ex)
        {
            var param = ex.ParamName switch
            {
                nameof(SamplingOptions.Temperature) => "temperature",
                nameof(SamplingOptions.TopP) => "top_p",
                nameof(SamplingOptions.TopK) => "top_k",
                nameof(SamplingOptions.MinP) => "min_p",
                nameof(SamplingOptions.MaxTokens) => maxTokensParam,
                nameof(SamplingOptions.TopLogProbs) => logProbsParam,
                nameof(SamplingOptions.StopStrings) => "stop",
                _ => null,
            };
            throw ApiException.BadRequest(param is null ? "The sampling settings are out of range." : $"'{param}' is out of the range the sampler takes.", param);
        }
    }
}
