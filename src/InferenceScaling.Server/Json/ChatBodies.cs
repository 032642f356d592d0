using System.Text.Json.Serialization;

namespace InferenceScaling.Server;

/// <summary>A <c>chat.completion</c> response.</summary>
internal sealed record ChatCompletionBody
{
    public required string Id { get; init; }

    public string Object { get; init; } = "chat.completion";

    public required long Created { get; init; }

    public required string Model { get; init; }

    public required IReadOnlyList<ChatChoiceBody> Choices { get; init; }

    public required ChatUsageBody Usage { get; init; }

    /// <summary>The seed the traces were drawn with (the request's, or the fresh one drawn for it).</summary>
    public required long Seed { get; init; }

    /// <summary>Why the work stopped when a server ceiling cut it short (<c>deadline</c>); else absent.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? StopReason { get; init; }

    /// <summary>The vote, with a budget; else absent.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public SolutionBody? SelfConsistency { get; init; }
}

/// <summary>One choice of a completion.</summary>
internal sealed record ChatChoiceBody
{
    public required int Index { get; init; }

    public required AssistantMessageBody Message { get; init; }

    public required LogProbsBody? Logprobs { get; init; }

    public required string FinishReason { get; init; }
}

/// <summary>The assistant's message.</summary>
internal sealed record AssistantMessageBody
{
    public string Role { get; init; } = "assistant";

    public required string Content { get; init; }
}

/// <summary>OpenAI's token usage.</summary>
internal sealed record ChatUsageBody
{
    public required long PromptTokens { get; init; }

    public required long CompletionTokens { get; init; }

    public long TotalTokens => PromptTokens + CompletionTokens;
}

/// <summary>OpenAI's <c>logprobs</c>: one entry per generated token.</summary>
internal sealed record LogProbsBody
{
    public required IReadOnlyList<TokenLogProbBody> Content { get; init; }
}

/// <summary>One generated token with its top alternatives.</summary>
internal sealed record TokenLogProbBody
{
    public required string Token { get; init; }

    public required float Logprob { get; init; }

    /// <summary>UTF-8 bytes as numbers (OpenAI's format; a byte[] would serialize as base64).</summary>
    public required int[] Bytes { get; init; }

    public required IReadOnlyList<TopLogProbBody> TopLogprobs { get; init; }
}

/// <summary>One alternative token.</summary>
internal sealed record TopLogProbBody
{
    public required string Token { get; init; }

    public required float Logprob { get; init; }

    public required int[] Bytes { get; init; }
}

/// <summary>A <c>chat.completion.chunk</c> without a <c>usage</c> field (no <c>include_usage</c>).</summary>
internal record ChatChunkBody
{
    public required string Id { get; init; }

    public string Object { get; init; } = "chat.completion.chunk";

    public required long Created { get; init; }

    public required string Model { get; init; }

    public required IReadOnlyList<ChunkChoiceBody> Choices { get; init; }

    /// <summary>The vote, on a budgeted stream's finish chunk; else absent.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public SolutionBody? SelfConsistency { get; init; }
}

/// <summary>A chunk of a stream with <c>include_usage</c>: <c>usage</c> is null on every chunk but the last.</summary>
internal sealed record ChatChunkWithUsageBody : ChatChunkBody
{
    public required ChatUsageBody? Usage { get; init; }
}

/// <summary>One choice of a chunk.</summary>
internal sealed record ChunkChoiceBody
{
    public required int Index { get; init; }

    public required DeltaBody Delta { get; init; }

    public required LogProbsBody? Logprobs { get; init; }

    public required string? FinishReason { get; init; }
}

/// <summary>What a chunk adds to a choice's message.</summary>
internal sealed record DeltaBody
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Role { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Content { get; init; }
}
