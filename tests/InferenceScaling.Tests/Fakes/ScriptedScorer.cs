using InferenceScaling.Sampling;

namespace InferenceScaling.Tests.Fakes;

/// <summary>
/// A fake <see cref="IContinuationScorer"/>: every continuation gets <see cref="Default"/> unless <see cref="Scores"/>
/// has an entry for its (prompt, text). One character is one token; the log-prob is spread evenly over the tokens.
/// Records every item scored. Deterministic.
/// </summary>
public sealed class ScriptedScorer : IContinuationScorer
{
    /// <summary>(log-prob of the whole continuation, greedy) of items without an entry. Default: believed, greedy.</summary>
    public (double LogProb, bool Greedy) Default { get; set; } = (-0.01, true);

    /// <summary>Scores by (prompt, continuation).</summary>
    public Dictionary<(string Prompt, string Text), (double LogProb, bool Greedy)> Scores { get; } = [];

    /// <summary>Every item scored, in order.</summary>
    public List<Continuation> Scored { get; } = [];

    /// <summary>Makes the model doubt <c>Calc: {expression}=</c> → <c>{value}.</c>.</summary>
    public void Doubt(string expression, string value, double logProb = -3, bool greedy = false) =>
        Scores[($"Calc: {expression}=", value + ".")] = (logProb, greedy);

    public async Task<IReadOnlyList<ContinuationScore>> ScoreAsync(IReadOnlyList<Continuation> items, CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        cancellationToken.ThrowIfCancellationRequested();
        var results = new ContinuationScore[items.Count];
        for (var i = 0; i < items.Count; i++)
        {
            Scored.Add(items[i]);
            var (lp, greedy) = Scores.TryGetValue((items[i].Prompt, items[i].Text), out var s) ? s : Default;
            var n = items[i].Text.Length;
            var each = new float[n];
            Array.Fill(each, (float)(lp / n));
            results[i] = new ContinuationScore { TokenLogProbs = each, IsGreedy = greedy, PromptTokens = items[i].Prompt.Length };
        }

        return results;
    }
}
