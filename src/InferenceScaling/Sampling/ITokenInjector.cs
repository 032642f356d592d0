namespace InferenceScaling.Sampling;

/// <summary>
/// Watches one trace while it is decoded and may inject tokens into it — a tool's result written into that row — which
/// the decoder feeds to the row as the next tokens instead of sampling them, while the other rows of the batch keep
/// decoding. One instance per trace; the decoder calls it from one thread at a time.
/// </summary>
/// <remarks>
/// Contract for decoders that see the model's token ids (<c>OnnxTraceGenerator</c>, the continuous-batching scheduler);
/// decoders that see text (remote generators) use <see cref="OnText"/> instead:
/// <list type="bullet">
/// <item>After every token appended to the trace — sampled or injected — the decoder calls <see cref="OnToken"/>, except
/// the token the trace ends on (a stop string, the new-token cap or the context).</item>
/// <item>A non-empty result is fed to that row, one token per decode step (or as one chunk where the decoder can), in
/// order, before sampling resumes; the tokens are appended to the trace and marked injected, so they count apart from
/// generated tokens and never enter log-prob or confidence figures. Other rows' KV cache is never copied.</item>
/// <item>An end-of-sequence id or a stop sequence inside injected tokens does not end the trace; the new-token cap
/// counts generated tokens only, and the context length bounds both.</item>
/// </list>
/// Implementations must not allocate when nothing fires: this runs once per token in the decode loop.
/// </remarks>
public interface ITokenInjector
{
    /// <summary>
    /// Called after <paramref name="tokenId"/> was appended to the trace. Returns the tokens to inject next, or an empty
    /// span. The span stays valid until the next call.
    /// </summary>
    /// <param name="tokenId">The token just appended.</param>
    /// <param name="injected">Whether that token was itself injected.</param>
    ReadOnlySpan<int> OnToken(int tokenId, bool injected);

    /// <summary>
    /// The tool calls made so far, in order, with <see cref="ToolCall.Position"/> counted in the trace's tokens; the
    /// decoder copies them into <see cref="Trace.ToolCalls"/> when the trace ends. Default: none.
    /// </summary>
    IReadOnlyList<ToolCall> ToolCalls => [];

    /// <summary>
    /// The text form of <see cref="OnToken"/>, for decoders that see a trace as text rather than as the injector's
    /// token ids (remote endpoints): called after each generated token, with its text. Returns the text to inject next
    /// (a tool's answer: the decoder appends it to the trace and continues after it), or null. Injected text is not
    /// passed back; a decoder uses either this or <see cref="OnToken"/> for a trace, never both. Default: never injects.
    /// </summary>
    /// <param name="piece">The text of the token just generated.</param>
    /// <param name="tokenIds">
    /// The injected text's tokens in the injector's tokenizer (empty when null is returned), to record and count as
    /// injected; valid until the next call.
    /// </param>
    string? OnText(string piece, out ReadOnlySpan<int> tokenIds)
    {
        tokenIds = default;
        return null;
    }
}
