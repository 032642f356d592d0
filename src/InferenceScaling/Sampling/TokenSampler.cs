namespace InferenceScaling.Sampling;

/// <summary>
/// Draws one token from a row's logits with temperature, top-k, top-p and min-p, and reports the chosen token's
/// log-probability and the step's confidence. Owns scratch buffers sized to the vocabulary, reused every call: the
/// decode loop's per-token work allocates nothing here. One instance per decode loop (not thread-safe).
/// </summary>
internal sealed class TokenSampler
{
    /// <summary>Largest top list kept per step (confidence top-k and OpenAI top_logprobs are both ≤ 20).</summary>
    public const int MaxTop = 20;

    /// <summary>Unnormalised probabilities after temperature.</summary>
    private readonly float[] _weights;

    /// <summary>Sort keys (negated weights) for top-k / top-p.</summary>
    private readonly float[] _keys;

    /// <summary>Token ids sorted alongside <see cref="_keys"/>.</summary>
    private readonly int[] _order;

    public TokenSampler(int vocabularySize)
    {
        _weights = new float[vocabularySize];
        _keys = new float[vocabularySize];
        _order = new int[vocabularySize];
    }

    /// <summary>
    /// Samples a token. <paramref name="top"/> receives the most likely tokens (descending), as many as it holds;
    /// pass an empty span when not needed.
    /// </summary>
    public int Sample(ReadOnlySpan<float> logits, SamplingOptions options, ref RowRandom random, out float logProb, out float confidence, Span<TokenLogProb> top)
    {
        var v = logits.Length;
        var logZ = LogPartition(logits, out var max, out var argmax);

        // Top list by insertion into a small sorted buffer: O(V × k) with k ≤ 20, no allocation.
        var k = Math.Max(options.ConfidenceTopK, top.Length);
        Span<int> topIds = stackalloc int[MaxTop];
        Span<float> topLogits = stackalloc float[MaxTop];
        var filled = 0;
        for (var i = 0; i < v; i++)
        {
            var l = logits[i];
            if (filled == k && l <= topLogits[k - 1]) continue;
            var j = filled < k ? filled++ : k - 1;
            while (j > 0 && topLogits[j - 1] < l)
            {
                topLogits[j] = topLogits[j - 1];
                topIds[j] = topIds[j - 1];
                j--;
            }

            topLogits[j] = l;
            topIds[j] = i;
        }

        var c = Math.Min(options.ConfidenceTopK, filled);
        float confSum = 0;
        for (var i = 0; i < c; i++) confSum += topLogits[i] - logZ;
        confidence = c == 0 ? 0 : -confSum / c;
        for (var i = 0; i < top.Length && i < filled; i++) top[i] = new TokenLogProb(topIds[i], topLogits[i] - logZ);

        var chosen = options.Temperature <= 0 ? argmax : Draw(logits, max, options, ref random);
        logProb = logits[chosen] - logZ;
        return chosen;
    }

    /// <summary>
    /// log Σ exp(<paramref name="logits"/>) (a token's log-probability is its logit minus this), the largest logit, and
    /// its first index: the token greedy decoding writes. Shared with teacher-forced scoring so "greedy" means the same.
    /// </summary>
    internal static float LogPartition(ReadOnlySpan<float> logits, out float max, out int argmax)
    {
        max = float.NegativeInfinity;
        argmax = 0;
        for (var i = 0; i < logits.Length; i++)
        {
            if (logits[i] > max) { max = logits[i]; argmax = i; }
        }

        double sum = 0;
        for (var i = 0; i < logits.Length; i++) sum += Math.Exp(logits[i] - max);
        return max + (float)Math.Log(sum);
    }

    private int Draw(ReadOnlySpan<float> logits, float max, SamplingOptions options, ref RowRandom random)
    {
        var v = logits.Length;
        var invT = 1.0f / options.Temperature;
        double total = 0;
        // Relative to the top token, so the most likely token has weight 1 and min-p is a plain threshold.
        for (var i = 0; i < v; i++)
        {
            var w = MathF.Exp((logits[i] - max) * invT);
            if (w < options.MinP) w = 0;
            _weights[i] = w;
            total += w;
        }

        var topK = options.TopK > 0 && options.TopK < v ? options.TopK : v;
        if (topK == v && options.TopP >= 1f)
        {
            var u = random.NextDouble() * total;
            double acc = 0;
            var last = 0;
            for (var i = 0; i < v; i++)
            {
                var w = _weights[i];
                if (w <= 0) continue;
                acc += w;
                last = i;
                if (u < acc) return i;
            }

            return last;
        }

        // Top-k / top-p need the tokens in order of probability. Array.Sort of primitive arrays does not allocate.
        for (var i = 0; i < v; i++)
        {
            _keys[i] = -_weights[i];
            _order[i] = i;
        }

        Array.Sort(_keys, _order, 0, v);
        var keep = 0;
        double kept = 0;
        var target = options.TopP * total;
        while (keep < topK && keep < v && _weights[_order[keep]] > 0)
        {
            kept += _weights[_order[keep]];
            keep++;
            if (kept >= target) break;
        }

        if (keep == 0) return _order[0];
        var draw = random.NextDouble() * kept;
        double run = 0;
        for (var i = 0; i < keep; i++)
        {
            run += _weights[_order[i]];
            if (draw < run) return _order[i];
        }

        return _order[keep - 1];
    }
}
