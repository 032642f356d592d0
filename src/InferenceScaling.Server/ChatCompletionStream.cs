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
            var choice = new { index, delta = new { role = "assistant", content = "" }, logprobs = (object?)null, finish_reason = (string?)null };
            await events.WriteDataAsync(Chunk(choice), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Writes a choice's whole text as one content chunk, then its finish chunk; <paramref name="extra"/> fields
    /// (e.g. <c>self_consistency</c>) go on the finish chunk, next to <c>choices</c>.
    /// </summary>
    public async Task WriteChoiceAsync(int index, string content, object? logprobs, string finishReason, IReadOnlyDictionary<string, object?>? extra, CancellationToken cancellationToken)
    {
        await events.WriteDataAsync(Chunk(new { index, delta = new { content }, logprobs, finish_reason = (string?)null }), cancellationToken).ConfigureAwait(false);
        var finish = Chunk(new { index, delta = new { }, logprobs = (object?)null, finish_reason = finishReason });
        if (extra is not null)
            foreach (var (name, value) in extra) finish[name] = value;
        await events.WriteDataAsync(finish, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes a <c>: progress traces=N generated_tokens=T</c> comment.</summary>
    public ValueTask WriteProgressAsync(TraceProgress progress, CancellationToken cancellationToken) =>
        events.WriteCommentAsync($"progress traces={progress.Traces} generated_tokens={progress.GeneratedTokens}", cancellationToken);

    /// <summary>Writes the usage chunk (when asked for) and <c>data: [DONE]</c>.</summary>
    public async Task EndAsync(object usage, CancellationToken cancellationToken)
    {
        if (includeUsage)
        {
            var last = Chunk(null);
            last["usage"] = usage;
            await events.WriteDataAsync(last, cancellationToken).ConfigureAwait(false);
        }

        await events.WriteDoneAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A chunk with one choice (none for null), as an ordered map so <c>usage</c> appears only when asked for.</summary>
    private Dictionary<string, object?> Chunk(object? choice)
    {
        var chunk = new Dictionary<string, object?>
        {
            ["id"] = id,
            ["object"] = "chat.completion.chunk",
            ["created"] = created,
            ["model"] = model,
            ["choices"] = choice is null ? Array.Empty<object>() : new[] { choice },
        };
        if (includeUsage) chunk["usage"] = null;
        return chunk;
    }
}
