namespace InferenceScaling.Server;

/// <summary>
/// One chat completion written as OpenAI's stream of <c>chat.completion.chunk</c> events. Every chunk carries the same
/// <c>id</c>, <c>created</c> and <c>model</c>, and one choice: first a role chunk per choice
/// (<c>delta: { "role": "assistant", "content": "" }</c>), then per choice, once its text is final, one content chunk
/// (<c>delta: { "content" }</c>, with the text's <c>logprobs</c> when asked for) and one finish chunk (empty delta,
/// <c>finish_reason</c>; null on every earlier chunk of the choice). With <c>include_usage</c> every chunk has
/// <c>"usage": null</c> and a last chunk with <c>choices: []</c> holds the usage; <c>data: [DONE]</c> ends the stream.
/// Not thread-safe.
/// </summary>
internal sealed class ChatCompletionStream(EventStream events, string id, long created, string model, bool includeUsage)
{
    /// <summary>Writes the role chunk of choices 0 … <paramref name="choices"/> − 1.</summary>
    public async Task WriteRolesAsync(int choices, CancellationToken cancellationToken)
    {
        for (var index = 0; index < choices; index++)
        {
            var choice = new ChunkChoiceBody { Index = index, Delta = new DeltaBody { Role = "assistant", Content = "" }, Logprobs = null, FinishReason = null };
            await events.WriteDataAsync(Chunk(choice, null, null), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Writes a choice's whole text as one content chunk, then its finish chunk; <paramref name="selfConsistency"/>
    /// (the vote) goes on the finish chunk, next to <c>choices</c>.
    /// </summary>
    public async Task WriteChoiceAsync(int index, string content, LogProbsBody? logprobs, string finishReason, SolutionBody? selfConsistency, CancellationToken cancellationToken)
    {
        var text = new ChunkChoiceBody { Index = index, Delta = new DeltaBody { Content = content }, Logprobs = logprobs, FinishReason = null };
        await events.WriteDataAsync(Chunk(text, null, null), cancellationToken).ConfigureAwait(false);
        var finish = new ChunkChoiceBody { Index = index, Delta = new DeltaBody(), Logprobs = null, FinishReason = finishReason };
        await events.WriteDataAsync(Chunk(finish, null, selfConsistency), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes a <c>: progress traces=N generated_tokens=T</c> comment.</summary>
    public ValueTask WriteProgressAsync(TraceProgress progress, CancellationToken cancellationToken) =>
        events.WriteCommentAsync($"progress traces={progress.Traces} generated_tokens={progress.GeneratedTokens}", cancellationToken);

    /// <summary>Writes the usage chunk (when asked for) and <c>data: [DONE]</c>.</summary>
    public async Task EndAsync(ChatUsageBody usage, CancellationToken cancellationToken)
    {
        if (includeUsage) await events.WriteDataAsync(Chunk(null, usage, null), cancellationToken).ConfigureAwait(false);
        await events.WriteDoneAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A chunk with one choice (none for null); <c>usage</c> appears only when asked for.</summary>
    private ChatChunkBody Chunk(ChunkChoiceBody? choice, ChatUsageBody? usage, SolutionBody? selfConsistency)
    {
        IReadOnlyList<ChunkChoiceBody> choices = choice is null ? [] : [choice];
        return includeUsage
            ? new ChatChunkWithUsageBody { Id = id, Created = created, Model = model, Choices = choices, Usage = usage, SelfConsistency = selfConsistency }
            : new ChatChunkBody { Id = id, Created = created, Model = model, Choices = choices, SelfConsistency = selfConsistency };
    }
}
