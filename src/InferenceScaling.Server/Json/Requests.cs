using System.Text.Json;

namespace InferenceScaling.Server;

/// <summary>
/// The body of <c>POST /v1/solve</c>. Deserialized by <see cref="ServerJsonContext"/> (unknown fields and duplicate keys
/// refused); <see cref="Budget"/> is a preset, a knob or an object, read by <see cref="BudgetReader"/>.
/// </summary>
internal sealed record SolveRequest
{
    public string? Question { get; init; }

    public JsonElement? Budget { get; init; }

    public bool? ReturnTraces { get; init; }

    /// <summary>Seed of the vote's traces; absent: a fresh one, returned in the response.</summary>
    public long? Seed { get; init; }

    /// <summary>Tools inside the decode loop (read by <see cref="ToolsReader"/>); absent: the server's default.</summary>
    public JsonElement? Tools { get; init; }
}

/// <summary>The body of <c>POST /v1/chat/completions</c> (OpenAI's fields this service reads, plus <c>budget</c>).</summary>
internal sealed record ChatCompletionRequest
{
    public string? Model { get; init; }

    public IReadOnlyList<ChatMessageBody?>? Messages { get; init; }

    public double? Temperature { get; init; }

    public double? TopP { get; init; }

    public long? MaxTokens { get; init; }

    public long? MaxCompletionTokens { get; init; }

    public long? Seed { get; init; }

    public long? N { get; init; }

    public bool? Logprobs { get; init; }

    public long? TopLogprobs { get; init; }

    /// <summary>A string or an array of strings (read by <see cref="ChatCompletionsEndpoint"/>).</summary>
    public JsonElement? Stop { get; init; }

    public bool? Stream { get; init; }

    public StreamOptionsBody? StreamOptions { get; init; }

    public JsonElement? Budget { get; init; }

    /// <summary>
    /// Tools inside the decode loop: names or OpenAI tool objects (read by <see cref="ToolsReader"/>); absent: the
    /// server's default.
    /// </summary>
    public JsonElement? Tools { get; init; }

    /// <summary>
    /// When the prompt plus <c>max_tokens</c> exceed the model's context: true cuts <c>max_tokens</c> to what fits;
    /// false or absent answers 400 <c>context_length_exceeded</c>.
    /// </summary>
    public bool? Truncate { get; init; }

    /// <summary>Accepted and ignored.</summary>
    public string? User { get; init; }

    /// <summary>Accepted and ignored.</summary>
    public bool? Store { get; init; }

    /// <summary>Accepted and ignored.</summary>
    public JsonElement? Metadata { get; init; }

    public double? FrequencyPenalty { get; init; }

    public double? PresencePenalty { get; init; }
}

/// <summary>One message of a chat request.</summary>
internal sealed record ChatMessageBody
{
    public string? Role { get; init; }

    /// <summary>A string or an array of <c>{ "type": "text", "text" }</c> parts.</summary>
    public JsonElement? Content { get; init; }

    public string? Name { get; init; }
}

/// <summary>A text part of a message's content.</summary>
internal sealed record ContentPartBody
{
    public string? Type { get; init; }

    public string? Text { get; init; }
}

/// <summary><c>stream_options</c>; <c>include_obfuscation</c> is accepted and ignored.</summary>
internal sealed record StreamOptionsBody
{
    public bool? IncludeUsage { get; init; }

    public bool? IncludeObfuscation { get; init; }
}
