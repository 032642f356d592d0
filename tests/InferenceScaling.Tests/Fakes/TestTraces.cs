using InferenceScaling.Sampling;
using InferenceScaling.Voting;

namespace InferenceScaling.Tests.Fakes;

/// <summary>Builds traces and ballots by hand for voting tests.</summary>
public static class TestTraces
{
    public static Trace Create(int index, string text, float[] logProbs, float[]? confidences = null, FinishReason finish = FinishReason.EndOfSequence)
    {
        var ids = new int[logProbs.Length];
        for (var i = 0; i < ids.Length; i++) ids[i] = i;
        return new Trace
        {
            Index = index,
            Text = text,
            TokenIds = ids,
            TokenLogProbs = logProbs,
            TokenConfidences = confidences ?? new float[logProbs.Length],
            FinishReason = finish,
            PromptTokens = 5,
            DecodeSteps = logProbs.Length + 1,
        };
    }

    /// <summary>A trace answering <paramref name="answer"/> (null: no answer) with <paramref name="tokens"/> tokens of log-prob <paramref name="logProb"/>.</summary>
    public static Trace Answer(int index, string? answer, int tokens = 10, float logProb = -0.1f) =>
        Create(index, answer is null ? "no idea" : $"Steps. Answer: {answer}", Enumerable.Repeat(logProb, tokens).ToArray());

    /// <summary>A trace answering <paramref name="answer"/> with the given per-token confidences.</summary>
    public static Trace WithConfidences(int index, string answer, params float[] confidences) =>
        Create(index, $"Answer: {answer}", new float[confidences.Length], confidences);

    public static IReadOnlyList<Ballot> Ballots(params Trace[] traces)
    {
        var box = new BallotBox(AnswerLineExtractor.Instance, TrimEquivalence.Instance);
        foreach (var t in traces) box.Add(t);
        return box.Ballots;
    }
}
