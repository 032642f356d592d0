using System.Runtime.CompilerServices;
using InferenceScaling.Arith;
using InferenceScaling.Sampling;
using InferenceScaling.Solving;
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

    /// <summary>Writes one fixed check, a token per character, with chosen tokens and top log-probs at chosen positions.</summary>
    private sealed class PositionScriptedGenerator(string text, Dictionary<int, (int Written, TokenLogProb[] Top)> at) : ITraceGenerator
    {
        public int CountTokens(string t) => t.Length;

        public async IAsyncEnumerable<Trace> GenerateAsync(TraceRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            var ids = text.Select(c => (int)c).ToArray();
            var lps = new float[text.Length];
            var tops = new TokenLogProb[text.Length][];
            for (var i = 0; i < text.Length; i++) tops[i] = [new TokenLogProb(ids[i], 0f)];
            foreach (var (i, (written, top)) in at)
            {
                ids[i] = written;
                lps[i] = top.Single(t => t.TokenId == written).LogProb;
                tops[i] = top;
            }

            yield return new Trace
            {
                Index = request.FirstIndex, Text = text, TokenIds = ids, TokenLogProbs = lps, TokenConfidences = new float[text.Length],
                TopLogProbs = tops, FinishReason = FinishReason.EndOfSequence, PromptTokens = request.Prompt.Length, DecodeSteps = text.Length + 1,
            };
        }
    }

    private const int Ok = 2000, Wrong = 2001, Correct = 2002;

    private static TokenLogProb[] Top(int written, double p, int other, double q) =>
        [new TokenLogProb(written, MathF.Log((float)p)), new TokenLogProb(other, MathF.Log((float)q))];

    private static readonly CheckOptions StepScoring = new() { VerdictTokens = new VerdictTokens(Correct, Wrong), StepTokens = new VerdictTokens(Ok, Wrong) };

    [Fact]
    public async Task WithStepTokens_AStepCalledWrongKeepsItsDoubt()
    {
        // Step 1 ok at 0.9; step 2 called wrong at 0.55 (ok 0.45). The verdict then follows and adds nothing:
        // p(the check passes) = 0.9 × 0.45.
        const string text = " 1+1=2 ok. 2*3=6 wrong. Verdict: wrong at step 2";
        var generator = new PositionScriptedGenerator(text, new()
        {
            [text.IndexOf(" ok", StringComparison.Ordinal)] = (Ok, Top(Ok, 0.9, Wrong, 0.1)),
            [text.IndexOf(" wrong.", StringComparison.Ordinal)] = (Wrong, Top(Wrong, 0.55, Ok, 0.45)),
            [text.IndexOf("Verdict:", StringComparison.Ordinal) + "Verdict:".Length] = (Wrong, Top(Wrong, 0.999, Correct, 0.001)),
        });
        var checker = new SolutionChecker(generator, ScriptedPipeline.Arith, StepScoring);

        var check = await checker.CheckAsync("q", "1+1=2. 2*3=7. Answer: 7", "7", "7");

        Assert.Equal(VerdictKind.Wrong, check.Verdict);
        Assert.Equal(0.9 * 0.45, check.CorrectProbability!.Value, 5);
        Assert.Equal(0.999, check.VerdictProbability!.Value, 4);
    }

    [Fact]
    public async Task WithStepTokens_APassingCheckMultipliesEveryStepAndTheVerdict()
    {
        const string text = " 1+1=2 ok. 2*3=6 ok. Verdict: correct";
        var second = text.IndexOf(" ok", text.IndexOf(" ok", StringComparison.Ordinal) + 1, StringComparison.Ordinal);
        var generator = new PositionScriptedGenerator(text, new()
        {
            [text.IndexOf(" ok", StringComparison.Ordinal)] = (Ok, Top(Ok, 0.8, Wrong, 0.2)),
            [second] = (Ok, Top(Ok, 0.5, Wrong, 0.5)),
            [text.IndexOf("Verdict:", StringComparison.Ordinal) + "Verdict:".Length] = (Correct, Top(Correct, 0.9, Wrong, 0.1)),
        });

        var withSteps = await new SolutionChecker(generator, ScriptedPipeline.Arith, StepScoring).CheckAsync("q", "1+1=2. 2*3=6. Answer: 6", "6", "6");
        var verdictOnly = await new SolutionChecker(generator, ScriptedPipeline.Arith, StepScoring with { StepTokens = null }).CheckAsync("q", "1+1=2. 2*3=6. Answer: 6", "6", "6");

        Assert.Equal(0.8 * 0.5 * 0.9, withSteps.CorrectProbability!.Value, 5);
        Assert.Equal(0.9, verdictOnly.CorrectProbability!.Value, 5);
    }

    [Fact]
    public void CheckOptionsFor_FindsTheVerdictAndStepWordTokens()
    {
        // A word-level tokenizer: words (with their leading space), digits and symbols are tokens.
        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        IReadOnlyList<int> Encode(string text) => [.. System.Text.RegularExpressions.Regex.Matches(text, @" ?[A-Za-z]+|\d|[^\sA-Za-z\d]")
            .Select(m => vocabulary.TryGetValue(m.Value, out var id) ? id : vocabulary[m.Value] = vocabulary.Count)];

        var options = SolverServices.CheckOptionsFor(ScriptedPipeline.Arith, Encode);

        Assert.Equal(new VerdictTokens(Encode(" correct")[0], Encode(" wrong")[0]), options.VerdictTokens);
        Assert.Equal(new VerdictTokens(Encode(" ok")[0], Encode(" wrong")[0]), options.StepTokens);
        Assert.Equal(new CheckOptions().Sampling, options.Sampling);
    }
}
