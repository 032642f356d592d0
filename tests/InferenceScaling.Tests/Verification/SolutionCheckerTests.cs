using System.Runtime.CompilerServices;
using InferenceScaling.Sampling;
using InferenceScaling.Tests.Fakes;
using InferenceScaling.Verification;

namespace InferenceScaling.Tests.Verification;

public sealed class SolutionCheckerTests
{
    /// <summary>Writes one fixed check, a token per character, with top log-probs at the verdict position.</summary>
    private sealed class TopLogProbGenerator(string text, int writtenId, params TokenLogProb[] top) : ITraceGenerator
    {
        public int CountTokens(string t) => t.Length;

        public async IAsyncEnumerable<Trace> GenerateAsync(TraceRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            var at = text.IndexOf("Verdict:", StringComparison.Ordinal) + "Verdict:".Length;
            var ids = text.Select(c => (int)c).ToArray();
            var lps = new float[text.Length];
            var tops = new TokenLogProb[text.Length][];
            for (var i = 0; i < text.Length; i++) tops[i] = [new TokenLogProb(ids[i], 0f)];
            ids[at] = writtenId;
            lps[at] = top.Single(t => t.TokenId == writtenId).LogProb;
            tops[at] = top;
            yield return new Trace
            {
                Index = request.FirstIndex, Text = text, TokenIds = ids, TokenLogProbs = lps, TokenConfidences = new float[text.Length],
                TopLogProbs = tops, FinishReason = FinishReason.EndOfSequence, PromptTokens = request.Prompt.Length, DecodeSteps = text.Length + 1,
            };
        }
    }

    [Fact]
    public async Task WithVerdictTokens_TheScoreComparesTheTwoVerdictTokens()
    {
        // The model wrote "wrong" at 0.5 but gave "correct" 0.3 (and 0.2 to other tokens): p(correct) = 0.3 / 0.8.
        var generator = new TopLogProbGenerator(" 1+1=2 ok. Verdict: wrong at step 1", 1001,
            new TokenLogProb(1001, MathF.Log(0.5f)), new TokenLogProb(1000, MathF.Log(0.3f)), new TokenLogProb(7, MathF.Log(0.2f)));
        var checker = new SolutionChecker(generator, ScriptedPipeline.Arith, new CheckOptions { VerdictTokens = new VerdictTokens(1000, 1001) });

        var check = await checker.CheckAsync("q", " 1+1=2. Answer: 2", "2", "2");

        Assert.Equal(VerdictKind.Wrong, check.Verdict);
        Assert.Equal(0.5, check.VerdictProbability!.Value, 5);
        Assert.Equal(0.375, check.CorrectProbability!.Value, 5);
    }

    [Fact]
    public async Task WithoutVerdictTokens_TheScoreIsTheWrittenVerdictsProbability()
    {
        var generator = new TopLogProbGenerator(" 1+1=2 ok. Verdict: correct", 1000, new TokenLogProb(1000, MathF.Log(0.6f)));
        var checker = new SolutionChecker(generator, ScriptedPipeline.Arith);

        var check = await checker.CheckAsync("q", "1+1=2. Answer: 2", "2", "2");

        Assert.Equal(0.6, check.CorrectProbability!.Value, 5);
        Assert.Equal(1, check.Usage.Samples);
        Assert.Equal("Q: q\nS: 1+1=2. Answer: 2\nCheck:".Length, check.Usage.PromptTokens);
    }
}
