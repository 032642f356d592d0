using InferenceScaling.Sampling;

namespace InferenceScaling.Voting;

/// <summary>DeepConf trace scores computed from <see cref="Trace.TokenConfidences"/>.</summary>
internal static class TraceConfidence
{
    /// <summary>
    /// The lowest group confidence (DeepConf): the smallest mean of <paramref name="window"/> consecutive token
    /// confidences. A trace shorter than the window scores the mean of all its tokens; an empty trace scores 0. Tokens a
    /// tool injected are skipped: the window runs over generated tokens only.
    /// </summary>
    /// <param name="trace">The trace.</param>
    /// <param name="window">Window length in tokens, ≥ 1.</param>
    /// <returns>The score (higher means more confident).</returns>
    public static double LowestWindowMean(Trace trace, int window)
    {
        ArgumentNullException.ThrowIfNull(trace);
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        var c = trace.TokenConfidences;
        if (trace.InjectedTokens > 0) c = GeneratedOnly(trace);
        if (c.Count == 0) return 0;
        var w = Math.Min(window, c.Count);
        double sum = 0;
        for (var i = 0; i < w; i++) sum += c[i];
        var min = sum;
        for (var i = w; i < c.Count; i++)
        {
            sum += c[i] - c[i - w];
            if (sum < min) min = sum;
        }

        return min / w;
    }

    /// <summary>The confidences of the generated tokens, injected ones left out (the window runs over the model's own tokens).</summary>
    private static float[] GeneratedOnly(Trace trace)
    {
        var c = trace.TokenConfidences;
        var kept = new float[trace.GeneratedTokens];
        var j = 0;
        for (var i = 0; i < c.Count && j < kept.Length; i++)
            if (!trace.IsInjected(i)) kept[j++] = c[i];
        return kept;
    }
}
