using InferenceScaling.Sampling;

namespace InferenceScaling.Runtime;

/// <summary>
/// What a model folder says about how to sample it: <c>temperature</c>, <c>top_p</c> and <c>top_k</c> from
/// <c>generation_config.json</c>, else from <c>genai_config.json</c>'s <c>search</c> section when that samples
/// (<c>do_sample</c> true); <c>max_new_tokens</c> from <c>generation_config.json</c>; and the model's context, which
/// bounds every new-token cap. A null setting is one the folder does not give. Immutable.
/// </summary>
internal sealed record ModelDefaults
{
    /// <summary>The folder's sampling temperature, or null.</summary>
    public float? Temperature { get; init; }

    /// <summary>The folder's nucleus <c>top_p</c>, or null (also when outside (0, 1]).</summary>
    public float? TopP { get; init; }

    /// <summary>The folder's <c>top_k</c> (0 = off), or null (also when negative).</summary>
    public int? TopK { get; init; }

    /// <summary>The folder's <c>max_new_tokens</c>, or null (also when below 1).</summary>
    public int? MaxNewTokens { get; init; }

    /// <summary>Most tokens (prompt + generated) the model attends over.</summary>
    public required int ContextLength { get; init; }

    /// <summary>
    /// The default new-token cap for a prompt of <paramref name="promptTokens"/> tokens: <see cref="MaxNewTokens"/>
    /// when the folder gives it, else all the context leaves; never more than the context leaves, never below 1.
    /// </summary>
    public int MaxTokensFor(int promptTokens)
    {
        var room = Math.Max(1, ContextLength - Math.Max(0, promptTokens));
        return Math.Min(room, MaxNewTokens ?? room);
    }

    /// <summary>
    /// <paramref name="baseline"/> (default: <see cref="SamplingOptions"/>'s defaults) with the folder's temperature,
    /// top-p and top-k where it gives them, and <see cref="MaxTokensFor"/> as the token limit.
    /// </summary>
    public SamplingOptions ApplyTo(SamplingOptions? baseline = null, int promptTokens = 0)
    {
        baseline ??= new SamplingOptions();
        return baseline with
        {
            Temperature = Temperature ?? baseline.Temperature,
            TopP = TopP ?? baseline.TopP,
            TopK = TopK ?? baseline.TopK,
            MaxTokens = MaxTokensFor(promptTokens),
        };
    }
}
