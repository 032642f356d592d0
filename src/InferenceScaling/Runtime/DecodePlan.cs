using InferenceScaling.Sampling;

namespace InferenceScaling.Runtime;

/// <summary>
/// What every row of one <see cref="TraceRequest"/> decodes under: its sampling options, token limit, stop strings and
/// control. Built once per request and shared by its rows, whichever loop (single request or scheduler) runs them.
/// </summary>
internal sealed class DecodePlan
{
    public DecodePlan(DecoderModel model, TraceRequest request, int promptTokens)
    {
        Model = model;
        Request = request;
        Options = request.Sampling;
        PromptTokens = promptTokens;
        var room = model.Signature.ContextLength - promptTokens;
        MaxTokens = Math.Min(Options.MaxTokens, room);
        // Injected tokens do not count against the new-token cap, only against the context: rows with tools get room for
        // as many injected tokens as generated ones (a tool's answer is rarely longer than the call that asked for it).
        MaxLength = request.Injector is null ? MaxTokens : (int)Math.Min(room, 2L * MaxTokens);
        Pieces = Options.StopStrings.Count > 0 ? model.Tokenizer.Pieces(model.Signature.VocabularySize) : null;
        foreach (var s in Options.StopStrings) MaxStop = Math.Max(MaxStop, s.Length);
        Control = request.Control;
        Window = Control?.ConfidenceWindow ?? 8;
    }

    /// <summary>The model (for end-of-sequence ids and detokenizing).</summary>
    public DecoderModel Model { get; }

    /// <summary>The request.</summary>
    public TraceRequest Request { get; }

    /// <summary>The request's sampling options.</summary>
    public SamplingOptions Options { get; }

    /// <summary>Prompt length in tokens.</summary>
    public int PromptTokens { get; }

    /// <summary>Most tokens a row may generate: the request's limit, cut to what the context leaves.</summary>
    public int MaxTokens { get; }

    /// <summary>
    /// Most tokens a row may hold, generated and injected: <see cref="MaxTokens"/> without tools; with an injector up to
    /// twice that, cut to what the context leaves. Row buffers and the scheduler's KV reservation are sized by it.
    /// </summary>
    public int MaxLength { get; }

    /// <summary>Token texts, only when stop strings must be matched.</summary>
    public string[]? Pieces { get; }

    /// <summary>Longest stop string.</summary>
    public int MaxStop { get; }

    /// <summary>The request's per-trace control, if any.</summary>
    public TraceControl? Control { get; }

    /// <summary>DeepConf window length.</summary>
    public int Window { get; }

    /// <summary>Whoever runs the request's rows, for the loop's sink to find (the scheduler's job); null in a single-request loop.</summary>
    public object? Owner { get; set; }

    /// <summary>Time the prompt's prefill took (set once it ran).</summary>
    public TimeSpan PrefillTime { get; set; }

    /// <summary>Validates <paramref name="request"/> and encodes its prompt.</summary>
    /// <exception cref="ArgumentException">Empty prompt, bad count or index, bad sampling options, or a prompt that leaves no room to generate.</exception>
    public static int[] Encode(DecoderModel model, TraceRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrEmpty(request.Prompt)) throw new ArgumentException("The prompt is empty.", nameof(request));
        if (request.Count < 1) throw new ArgumentException($"Count must be ≥ 1 (was {request.Count}).", nameof(request));
        if (request.FirstIndex < 0) throw new ArgumentException($"FirstIndex must be ≥ 0 (was {request.FirstIndex}).", nameof(request));
        request.Sampling.Validate();
        var ids = model.Tokenizer.Encode(request.Prompt);
        if (ids.Length == 0) throw new ArgumentException("The prompt encodes to no tokens.", nameof(request));
        var context = model.Signature.ContextLength;
        if (ids.Length >= context)
            throw new ArgumentException($"The prompt is {ids.Length} tokens; the model's context is {context}, leaving no room to generate.", nameof(request));
        return ids;
    }

    /// <summary>A row for trace <paramref name="index"/>, its buffers sized for <see cref="MaxLength"/>.</summary>
    public TraceRow CreateRow(int index) => new(this, index);
}
