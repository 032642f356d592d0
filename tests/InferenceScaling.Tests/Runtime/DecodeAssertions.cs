using InferenceScaling.Runtime;
using InferenceScaling.Sampling;
using Microsoft.ML.OnnxRuntime;

namespace InferenceScaling.Tests.Runtime;

/// <summary>
/// The decode checks every model fixture runs: greedy and prefill against torch's reference, cached decoding against
/// recomputation, and rows of a mixed-length batch against each decoded alone.
/// </summary>
internal static class DecodeAssertions
{
    /// <summary>Greedy generation from each case's prompt writes torch's greedy ids up to the first end-of-sequence id.</summary>
    internal static async Task AssertGreedyReproducesTorchAsync(DecoderModel model, IEnumerable<TinyModelFixture.ReferenceCase> cases, int maxNewTokens)
    {
        var generator = new OnnxTraceGenerator(model);
        foreach (var c in cases)
        {
            var trace = (await generator.GenerateAllAsync(new TraceRequest
            {
                Prompt = c.Prompt,
                Sampling = new SamplingOptions { Temperature = 0, MaxTokens = maxNewTokens },
            }))[0];
            var expected = c.GreedyIds.TakeWhile(id => !model.Signature.EndOfSequenceIds.Contains(id)).ToArray();
            Assert.Equal(expected, trace.TokenIds);
        }
    }

    /// <summary>Prefilling each case's prompt ids in a 32-token batch gives torch's last logits within <paramref name="tolerance"/>.</summary>
    internal static void AssertPrefillMatchesTorch(DecoderModel model, IEnumerable<TinyModelFixture.ReferenceCase> cases, float tolerance)
    {
        using var batch = new DecodeBatch(model, 1, 32);
        using var ro = new RunOptions();
        foreach (var c in cases) AssertClose(c.LastLogits, batch.Prefill(c.PromptIds, 512, ro).LastLogits, tolerance);
    }

    /// <summary>
    /// Greedy decoding from a <paramref name="capacity"/>-token batch for <paramref name="steps"/> steps: after each,
    /// the cached logits equal a fresh prefill of the whole sequence within <paramref name="tolerance"/>.
    /// </summary>
    internal static void AssertCachedDecodeEqualsRecompute(DecoderModel model, int[] prompt, int steps, float tolerance, int capacity = 16)
    {
        using var ro = new RunOptions();
        using var batch = new DecodeBatch(model, 1, capacity);
        batch.Admit(batch.Prefill(prompt, 512, ro), 1);
        var sequence = prompt.ToList();
        for (var i = 0; i < steps; i++)
        {
            var next = ArgMax(batch.LogitsOf(0));
            sequence.Add(next);
            batch.Step([next], ro);
            using var fresh = new DecodeBatch(model, 1, 64);
            AssertClose(fresh.Prefill(sequence.ToArray(), 512, ro).LastLogits, batch.LogitsOf(0).ToArray(), tolerance);
        }
    }

    /// <summary>
    /// Admits <paramref name="prompts"/> shorter first into one batch (so both the newcomer and the rows already there get
    /// re-laid), decodes greedily for <paramref name="steps"/> steps with the longest (or shortest) row leaving after
    /// step <paramref name="leaveAtStep"/>, and asserts every row wrote what it writes decoded alone.
    /// </summary>
    internal static void AssertMixedLengthBatchEqualsAlone(DecoderModel model, int[][] prompts, int steps, int leaveAtStep, bool longestLeaves)
    {
        using var ro = new RunOptions();
        var alone = prompts.Select(p => GreedyAlone(model, p, steps, ro)).ToArray();
        using var batch = new DecodeBatch(model, 1, 8);
        var order = Enumerable.Range(0, prompts.Length).OrderBy(i => prompts[i].Length).ToArray();
        foreach (var i in order) batch.Admit(batch.Prefill(prompts[i], 512, ro), 1);
        var produced = order.Select(_ => new List<int>()).ToArray();
        var live = order.ToList();
        var leaver = longestLeaves ? order[^1] : order[0];
        for (var step = 0; step < steps; step++)
        {
            var next = new int[live.Count];
            for (var r = 0; r < live.Count; r++) produced[Array.IndexOf(order, live[r])].Add(next[r] = ArgMax(batch.LogitsOf(r)));
            if (step == leaveAtStep)
            {
                var keep = live.Select(i => i != leaver).ToArray();
                batch.Remove(keep);
                next = next.Where((_, r) => keep[r]).ToArray();
                live.Remove(leaver);
            }

            batch.Step(next, ro);
        }

        for (var k = 0; k < order.Length; k++) Assert.Equal(alone[order[k]].Take(produced[k].Count), produced[k]);
    }

    /// <summary>The <paramref name="steps"/> tokens greedy decoding writes after <paramref name="prompt"/> in a batch of its own.</summary>
    internal static List<int> GreedyAlone(DecoderModel model, int[] prompt, int steps, RunOptions ro)
    {
        using var batch = new DecodeBatch(model, 1, 64);
        batch.Admit(batch.Prefill(prompt, 512, ro), 1);
        var tokens = new List<int>();
        for (var i = 0; i < steps; i++)
        {
            var t = ArgMax(batch.LogitsOf(0));
            tokens.Add(t);
            batch.Step([t], ro);
        }

        return tokens;
    }

    /// <summary>The first index of the largest value, as the runtime's greedy sampler picks.</summary>
    internal static int ArgMax(ReadOnlySpan<float> x)
    {
        var best = 0;
        for (var i = 1; i < x.Length; i++) if (x[i] > x[best]) best = i;
        return best;
    }

    internal static void AssertClose(float[] expected, float[] actual, float tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        var worst = 0f;
        for (var i = 0; i < expected.Length; i++) worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]));
        Assert.True(worst <= tolerance, $"max |difference| {worst} > {tolerance}");
    }
}
