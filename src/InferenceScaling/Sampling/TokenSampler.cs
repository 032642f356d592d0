using System.Numerics;

namespace InferenceScaling.Sampling;

/// <summary>
/// Draws one token from a row's logits with temperature, top-k, top-p and min-p, and reports the chosen token's
/// log-probability and the step's confidence. Owns scratch buffers sized to the vocabulary, reused every call: the
/// decode loop's per-token work allocates nothing here. One instance per decode loop (not thread-safe).
/// </summary>
/// <remarks>
/// The passes over the vocabulary run <see cref="Vector{T}"/>-wide (eight floats with AVX2, four with SSE or ARM64
/// NEON) where the CPU has vector instructions, the scalar loops elsewhere. Exponentials are taken
/// in double precision and rounded to float, as the scalar <c>MathF.Exp</c> they replace does within its last bit:
/// a weight can differ from the scalar one by one float rounding, which changes a draw only if the uniform lands
/// within that rounding of a boundary between two tokens' cumulative weights.
/// </remarks>
internal sealed class TokenSampler
{
    /// <summary>Floats per vector on this CPU (a constant to the JIT).</summary>
    private static int Width => Vector<float>.Count;

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
            // Most of the vocabulary is below the k-th best so far: skip a vector at a time (NaN is never skipped, as before).
            if (filled == k && Vector.IsHardwareAccelerated && i % Width == 0 && i + Width <= v
                && Vector.LessThanOrEqualAll(new Vector<float>(logits.Slice(i, Width)), new Vector<float>(topLogits[k - 1])))
            {
                i += Width - 1;
                continue;
            }

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
        max = Max(logits);
        argmax = 0;
        // The first index holding the largest logit (NaN is never the largest, as with a scalar `>` scan).
        if (max > float.NegativeInfinity)
        {
            var i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                var m = new Vector<float>(max);
                for (; i + Width <= logits.Length && !Vector.EqualsAny(new Vector<float>(logits.Slice(i, Width)), m); i += Width)
                {
                }
            }

            while (logits[i] != max) i++;
            argmax = i;
        }

        return max + (float)Math.Log(SumExp(logits, max));
    }

    /// <summary>The largest logit, ignoring NaN; negative infinity for an empty or all-NaN span.</summary>
    private static float Max(ReadOnlySpan<float> logits)
    {
        var max = float.NegativeInfinity;
        var i = 0;
        if (Vector.IsHardwareAccelerated && logits.Length >= Width)
        {
            var m = new Vector<float>(float.NegativeInfinity);
            for (; i + Width <= logits.Length; i += Width)
            {
                var x = new Vector<float>(logits.Slice(i, Width));
                m = Vector.ConditionalSelect(Vector.GreaterThan(x, m), x, m);
            }

            for (var j = 0; j < Width; j++) if (m[j] > max) max = m[j];
        }

        for (; i < logits.Length; i++) if (logits[i] > max) max = logits[i];
        return max;
    }

    /// <summary>Σ exp(logit − <paramref name="max"/>) in double precision.</summary>
    private static double SumExp(ReadOnlySpan<float> logits, float max)
    {
        double sum = 0;
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var m = new Vector<float>(max);
            var acc = Vector<double>.Zero;
            for (; i + Width <= logits.Length; i += Width)
            {
                Vector.Widen(new Vector<float>(logits.Slice(i, Width)) - m, out var lo, out var hi);
                acc += Vector.Exp(lo) + Vector.Exp(hi);
            }

            sum = Vector.Sum(acc);
        }

        for (; i < logits.Length; i++) sum += Math.Exp(logits[i] - max);
        return sum;
    }

    /// <summary>Σ <paramref name="weights"/>[start .. start + count) in double precision.</summary>
    private static double Sum(float[] weights, int start, int count)
    {
        double sum = 0;
        var i = start;
        var end = start + count;
        if (Vector.IsHardwareAccelerated)
        {
            var acc = Vector<double>.Zero;
            for (; i + Width <= end; i += Width)
            {
                Vector.Widen(new Vector<float>(weights.AsSpan(i, Width)), out var lo, out var hi);
                acc += lo + hi;
            }

            sum = Vector.Sum(acc);
        }

        for (; i < end; i++) sum += weights[i];
        return sum;
    }

    /// <summary>
    /// <paramref name="weights"/>[i] = exp((logit − <paramref name="max"/>) / T), zero below <paramref name="minP"/>
    /// (weights are relative to the top token's 1).
    /// </summary>
    private static void Weights(ReadOnlySpan<float> logits, float max, float invT, float minP, Span<float> weights)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var m = new Vector<float>(max);
            var t = new Vector<float>(invT);
            var p = new Vector<float>(minP);
            for (; i + Width <= logits.Length; i += Width)
            {
                Vector.Widen((new Vector<float>(logits.Slice(i, Width)) - m) * t, out var lo, out var hi);
                var w = Vector.Narrow(Vector.Exp(lo), Vector.Exp(hi));
                Vector.ConditionalSelect(Vector.LessThan(w, p), Vector<float>.Zero, w).CopyTo(weights.Slice(i, Width));
            }
        }

        for (; i < logits.Length; i++)
        {
            var w = MathF.Exp((logits[i] - max) * invT);
            weights[i] = w < minP ? 0 : w;
        }
    }

    private int Draw(ReadOnlySpan<float> logits, float max, SamplingOptions options, ref RowRandom random)
    {
        var v = logits.Length;
        var invT = 1.0f / options.Temperature;
        // Relative to the top token, so the most likely token has weight 1 and min-p is a plain threshold.
        Weights(logits, max, invT, options.MinP, _weights);
        var total = Sum(_weights, 0, v);

        var topK = options.TopK > 0 && options.TopK < v ? options.TopK : v;
        if (topK == v && options.TopP >= 1f)
        {
            var u = random.NextDouble() * total;
            double acc = 0;
            var i = 0;
            // Whole vector-wide blocks whose weights the uniform passes are skipped at once; the block it lands in is
            // walked token by token.
            if (Vector.IsHardwareAccelerated)
            {
                for (; i + Width <= v; i += Width)
                {
                    var block = Sum(_weights, i, Width);
                    if (u < acc + block) break;
                    acc += block;
                }
            }

            for (; i < v; i++)
            {
                var w = _weights[i];
                if (w <= 0) continue;
                acc += w;
                if (u < acc) return i;
            }

            // Rounding left the uniform past the last weight: the last token with any.
            for (var j = v - 1; j > 0; j--) if (_weights[j] > 0) return j;
            return 0;
        }

        // The order vLLM applies them in: temperature, min-p (both in the weights), top-k, then top-p over what top-k
        // kept. They need the candidates in order of probability, not the whole vocabulary (152k tokens for Qwen2.5:
        // a full sort per row per step costs milliseconds). Under top-k, only the k heaviest are kept (a heap), then
        // sorted, ties in token order. Under top-p alone, a token below (1 − p) × total / V cannot be in the nucleus:
        // all such tokens together weigh less than (1 − p) × total, so the heavier ones reach p × total first.
        // Array.Sort of primitive arrays does not allocate.
        var cut = options.TopP < 1f && topK >= v ? (1 - options.TopP) * total / v : 0;
        var m = 0;
        for (var i = 0; i < v; i++)
        {
            var w = _weights[i];
            if (w <= 0 || w < cut) continue;
            if (topK >= v)
            {
                _keys[m] = -w;
                _order[m++] = i;
            }
            else if (m < topK)
            {
                _keys[m] = -w;
                _order[m] = i;
                SiftUp(m++);
            }
            else if (-w < _keys[0])
            {
                _keys[0] = -w;
                _order[0] = i;
                SiftDown(m);
            }
        }

        Array.Sort(_keys, _order, 0, m);
        // Equal weights in token order, so a draw does not depend on the sort's handling of ties.
        for (var i = 1; i < m; i++)
        {
            if (_keys[i] != _keys[i - 1]) continue;
            var start = i - 1;
            while (i + 1 < m && _keys[i + 1] == _keys[start]) i++;
            Array.Sort(_order, start, i - start + 1);
        }

        var mass = total;
        if (topK < v)
        {
            mass = 0;
            for (var i = 0; i < m; i++) mass += _weights[_order[i]];
        }

        var keep = 0;
        double kept = 0;
        var target = options.TopP * mass;
        while (keep < m)
        {
            kept += _weights[_order[keep]];
            keep++;
            if (kept >= target) break;
        }

        if (keep == 0) return 0;
        var draw = random.NextDouble() * kept;
        double run = 0;
        for (var i = 0; i < keep; i++)
        {
            run += _weights[_order[i]];
            if (draw < run) return _order[i];
        }

        return _order[keep - 1];
    }

    /// <summary>
    /// Max-heap on <see cref="_keys"/> (negated weights: the root is the lightest kept candidate, the latest token
    /// among equally light ones): entry <paramref name="i"/> moves up.
    /// </summary>
    private void SiftUp(int i)
    {
        while (i > 0)
        {
            var parent = (i - 1) / 2;
            if (!Above(i, parent)) return;
            Swap(i, parent);
            i = parent;
        }
    }

    /// <summary>The root of the <paramref name="count"/>-entry heap moves down to its place.</summary>
    private void SiftDown(int count)
    {
        var i = 0;
        while (true)
        {
            var largest = i;
            var left = 2 * i + 1;
            if (left < count && Above(left, largest)) largest = left;
            if (left + 1 < count && Above(left + 1, largest)) largest = left + 1;
            if (largest == i) return;
            Swap(i, largest);
            i = largest;
        }
    }

    /// <summary>Whether heap entry <paramref name="a"/> is lighter than <paramref name="b"/>, or as heavy with a later token (the first to leave).</summary>
    private bool Above(int a, int b) => _keys[a] > _keys[b] || (_keys[a] == _keys[b] && _order[a] > _order[b]);

    private void Swap(int a, int b)
    {
        (_keys[a], _keys[b]) = (_keys[b], _keys[a]);
        (_order[a], _order[b]) = (_order[b], _order[a]);
    }
}
