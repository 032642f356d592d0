using InferenceScaling.Sampling;

namespace InferenceScaling.Tests.Sampling;

/// <summary>
/// The sampler's vectorized passes against the scalar forms they replaced (kept here as the reference): the same
/// log-partition, greedy token, top list and draws, over vocabularies that are and are not a multiple of the vector
/// width, with ties, NaN and infinities.
/// </summary>
public sealed class TokenSamplerTests
{
    private static float[] Logits(Random random, int vocabulary, float spread)
    {
        var logits = new float[vocabulary];
        for (var i = 0; i < logits.Length; i++) logits[i] = (float)((random.NextDouble() * 2 - 1) * spread);
        return logits;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(13)]
    [InlineData(512)]
    [InlineData(1031)]
    public void LogPartition_MatchesTheScalarSum_AndFindsTheFirstLargest(int vocabulary)
    {
        var random = new Random(vocabulary);
        for (var trial = 0; trial < 200; trial++)
        {
            var logits = Logits(random, vocabulary, trial % 2 == 0 ? 4 : 30);
            if (trial % 3 == 0 && vocabulary > 1) logits[random.Next(vocabulary)] = logits.Max(); // a tie: the first one wins

            var logZ = TokenSampler.LogPartition(logits, out var max, out var argmax);
            var expected = ScalarLogPartition(logits, out var expectedMax, out var expectedArgmax);

            Assert.Equal(expectedMax, max);
            Assert.Equal(expectedArgmax, argmax);
            // Summed in another order: equal within two float roundings of the result.
            var ulp = MathF.BitIncrement(Math.Abs(expected)) - Math.Abs(expected);
            Assert.True(Math.Abs(logZ - expected) <= Math.Max(2 * ulp, 1e-6f), $"trial {trial}: {logZ} vs {expected}");
        }
    }

    [Fact]
    public void Argmax_IgnoresNaN_AndTakesTheFirstOfEqualMaxima()
    {
        var logits = new float[20];
        Array.Fill(logits, -1f);
        logits[3] = float.NaN;
        logits[11] = 2f;
        logits[17] = 2f;
        logits[19] = float.NaN;

        TokenSampler.LogPartition(logits, out var max, out var argmax);

        Assert.Equal(2f, max);
        Assert.Equal(11, argmax);
    }

    [Fact]
    public void Argmax_OfAllNegativeInfinity_IsTokenZero()
    {
        var logits = new float[17];
        Array.Fill(logits, float.NegativeInfinity);

        TokenSampler.LogPartition(logits, out var max, out var argmax);

        Assert.Equal(float.NegativeInfinity, max);
        Assert.Equal(0, argmax);
    }

    [Theory]
    [InlineData(512, 0.8f, 0f)]
    [InlineData(512, 1.0f, 0.05f)]
    [InlineData(1031, 0.6f, 0f)]
    [InlineData(29, 1.3f, 0.1f)]
    public void Draws_OverTheWholeVocabulary_MatchTheScalarDraw(int vocabulary, float temperature, float minP)
    {
        var sampler = new TokenSampler(vocabulary);
        var options = new SamplingOptions { Temperature = temperature, MinP = minP };
        var random = new Random(vocabulary + (int)(temperature * 10));
        for (var trial = 0; trial < 2000; trial++)
        {
            var logits = Logits(random, vocabulary, 6);
            var rng = new RowRandom((ulong)trial, 0);
            var reference = rng;

            var token = sampler.Sample(logits, options, ref rng, out var logProb, out _, []);
            var expected = ScalarDraw(logits, temperature, minP, ref reference);

            Assert.Equal(expected, token);
            Assert.Equal(logits[token] - ScalarLogPartition(logits, out _, out _), logProb, 5);
        }
    }

    [Theory]
    [InlineData(512, 0.8f, 40, 0.95f)]
    [InlineData(512, 0.8f, 0, 0.95f)]
    [InlineData(512, 1.0f, 20, 1f)]
    [InlineData(1031, 0.7f, 1, 1f)]
    [InlineData(1031, 0.6f, 1000, 0.5f)]
    [InlineData(29, 1.3f, 50, 0.9f)]
    public void TopKAndTopPDraws_MatchTheFullSortDraw(int vocabulary, float temperature, int topK, float topP)
    {
        var sampler = new TokenSampler(vocabulary);
        var options = new SamplingOptions { Temperature = temperature, TopK = topK, TopP = topP };
        var random = new Random(vocabulary + topK);
        for (var trial = 0; trial < 1000; trial++)
        {
            // Peaked and flat rows: the nucleus is a few tokens or most of the vocabulary.
            var logits = Logits(random, vocabulary, trial % 2 == 0 ? 12 : 1);
            var rng = new RowRandom((ulong)trial, 3);
            var reference = rng;

            var token = sampler.Sample(logits, options, ref rng, out _, out _, []);

            var expectedToken = FullSortDraw(logits, temperature, topK, topP, ref reference);
            if (expectedToken != token)
            {
                ScalarLogPartition(logits, out var mx, out _);
                var w = logits.Select(l => MathF.Exp((l - mx) * (1.0f / temperature))).ToArray();
                Assert.Fail($"trial {trial}: expected {expectedToken} (w {w[expectedToken]}) got {token} (w {w[token]}); ties {w.GroupBy(x => x).Count(g => g.Count() > 1)}");
            }
        }
    }

    [Fact]
    public void TopP_KeepsTheNucleusWhenTheTailHoldsAlmostAllTheRest()
    {
        // One heavy token and a long flat tail of light ones: at top-p 0.9 the nucleus is the heavy token plus enough
        // of the tail, so the cut below (1 − p) × total / V must keep tail tokens.
        var logits = new float[1000];
        logits[0] = MathF.Log(500);
        var sampler = new TokenSampler(logits.Length);
        var options = new SamplingOptions { Temperature = 1f, TopP = 0.9f };
        var tail = 0;
        for (var seed = 0; seed < 2000; seed++)
        {
            var rng = new RowRandom((ulong)seed, 0);
            var reference = rng;
            var token = sampler.Sample(logits, options, ref rng, out _, out _, []);
            Assert.Equal(FullSortDraw(logits, 1f, 0, 0.9f, ref reference), token);
            if (token != 0) tail++;
        }

        Assert.InRange(tail, 500, 1300);
    }

    [Fact]
    public void TopK_AtATie_KeepsTheEarlierTokens()
    {
        // Tokens 2..9 weigh the same and token 15 more: top-k 4 keeps token 15 and the first three of the tied ones,
        // though 15 comes last and must push one of four tied tokens out.
        var logits = new float[16];
        Array.Fill(logits, -5f);
        logits[15] = 3f;
        for (var i = 2; i < 10; i++) logits[i] = 1f;
        var sampler = new TokenSampler(logits.Length);
        var seen = new HashSet<int>();
        for (var seed = 0; seed < 3000; seed++)
        {
            var rng = new RowRandom((ulong)seed, 0);
            seen.Add(sampler.Sample(logits, new SamplingOptions { Temperature = 1f, TopK = 4 }, ref rng, out _, out _, []));
        }

        Assert.Equal([2, 3, 4, 15], seen.Order());
    }

    [Fact]
    public void TopP_AfterTopK_IsANucleusOfWhatTopKKept()
    {
        // Weights 4, 3, 2 and seven of 1 (total 16). Top-k 3 keeps 9; top-p 0.6 of those 9 is reached by 4 + 3, so
        // token 2 is never drawn (0.6 of all 16 would have needed it as well), and tokens 0 and 1 come 4 : 3.
        var logits = new float[10];
        logits[0] = MathF.Log(4);
        logits[1] = MathF.Log(3);
        logits[2] = MathF.Log(2);
        var sampler = new TokenSampler(logits.Length);
        var options = new SamplingOptions { Temperature = 1f, TopK = 3, TopP = 0.6f };
        var counts = new int[logits.Length];
        for (var seed = 0; seed < 7000; seed++)
        {
            var rng = new RowRandom((ulong)seed, 0);
            counts[sampler.Sample(logits, options, ref rng, out _, out _, [])]++;
        }

        Assert.Equal(7000, counts[0] + counts[1]);
        Assert.InRange(counts[0] / 7000.0, 4 / 7.0 - 0.02, 4 / 7.0 + 0.02);
    }

    [Fact]
    public void Draws_FollowTheTemperedSoftmax()
    {
        // Eight tokens with known probabilities at T = 0.5; 40,000 draws put each within 1.5 percentage points.
        var logits = new[] { 0f, 0.2f, -0.5f, 1f, -2f, 0.7f, 0.1f, -0.3f, -9f, -9f, -9f, -9f, -9f, -9f, -9f, -9f, -9f };
        var options = new SamplingOptions { Temperature = 0.5f };
        var weights = logits.Select(l => Math.Exp(l / 0.5)).ToArray();
        var total = weights.Sum();
        var sampler = new TokenSampler(logits.Length);
        var counts = new int[logits.Length];
        var rng = new RowRandom(7, 0);
        const int Draws = 40_000;
        for (var i = 0; i < Draws; i++) counts[sampler.Sample(logits, options, ref rng, out _, out _, [])]++;

        for (var t = 0; t < logits.Length; t++)
            Assert.InRange((double)counts[t] / Draws, weights[t] / total - 0.015, weights[t] / total + 0.015);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(20)]
    public void TopList_IsTheLargestLogProbsInOrder(int k)
    {
        var sampler = new TokenSampler(1031);
        var random = new Random(k);
        for (var trial = 0; trial < 100; trial++)
        {
            var logits = Logits(random, 1031, 8);
            var top = new TokenLogProb[k];
            var rng = new RowRandom(1, trial);

            sampler.Sample(logits, new SamplingOptions { Temperature = 0 }, ref rng, out _, out _, top);

            var logZ = ScalarLogPartition(logits, out _, out _);
            var expected = logits.Select((l, i) => (l, i)).OrderByDescending(p => p.l).ThenBy(p => p.i).Take(k).ToArray();
            Assert.Equal(expected.Select(p => p.i), top.Select(t => t.TokenId));
            Assert.Equal(expected[0].l - logZ, top[0].LogProb, 5);
        }
    }

    /// <summary>The scalar log-partition the sampler used before its passes were vectorized.</summary>
    private static float ScalarLogPartition(float[] logits, out float max, out int argmax)
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

    /// <summary>Top-k / top-p by the definition: every token sorted by weight, top-k's cut, the nucleus of what it kept walked in order.</summary>
    private static int FullSortDraw(float[] logits, float temperature, int topK, float topP, ref RowRandom random)
    {
        ScalarLogPartition(logits, out var max, out _);
        var v = logits.Length;
        var weights = new float[v];
        double total = 0;
        for (var i = 0; i < v; i++) total += weights[i] = MathF.Exp((logits[i] - max) * (1.0f / temperature));
        var k = topK > 0 && topK < v ? topK : v;
        if (k == v && topP >= 1f)
        {
            var u = random.NextDouble() * total;
            double acc = 0;
            for (var i = 0; i < v; i++)
                if (u < (acc += weights[i])) return i;
            return v - 1;
        }

        var order = Enumerable.Range(0, v).OrderByDescending(i => weights[i]).ThenBy(i => i).ToArray();
        // Top-p over what top-k kept, as vLLM's apply_top_k_top_p renormalizes the masked logits.
        var mass = k < v ? order.Take(k).Sum(i => (double)weights[i]) : total;
        var keep = 0;
        double kept = 0;
        while (keep < k && weights[order[keep]] > 0)
        {
            kept += weights[order[keep]];
            keep++;
            if (kept >= topP * mass) break;
        }

        var draw = random.NextDouble() * kept;
        double run = 0;
        for (var i = 0; i < keep; i++)
            if (draw < (run += weights[order[i]])) return order[i];
        return order[keep - 1];
    }

    /// <summary>The scalar whole-vocabulary draw the sampler used before (temperature and min-p, no top-k / top-p).</summary>
    private static int ScalarDraw(float[] logits, float temperature, float minP, ref RowRandom random)
    {
        ScalarLogPartition(logits, out var max, out _);
        var invT = 1.0f / temperature;
        var weights = new float[logits.Length];
        double total = 0;
        for (var i = 0; i < logits.Length; i++)
        {
            var w = MathF.Exp((logits[i] - max) * invT);
            if (w < minP) w = 0;
            weights[i] = w;
            total += w;
        }

        var u = random.NextDouble() * total;
        double acc = 0;
        var last = 0;
        for (var i = 0; i < logits.Length; i++)
        {
            if (weights[i] <= 0) continue;
            acc += weights[i];
            last = i;
            if (u < acc) return i;
        }

        return last;
    }
}
