using InferenceScaling.Runtime;
using InferenceScaling.Sampling;
using InferenceScaling.Tests.Models;

namespace InferenceScaling.Tests.Runtime;

public sealed class ContinuationScoringTests(ShippedModelFixture fixture) : IClassFixture<ShippedModelFixture>
{
    private const string Question = "Q: Eva has 46 eggs. She gives away 36. She gives away half of them. Then she loses 4. How many eggs does Eva have?\nA:";

    [Fact]
    public async Task Score_OfTheGreedyTrace_ReproducesItsTokenLogProbs()
    {
        var trace = (await new OnnxTraceGenerator(fixture.Model).GenerateAllAsync(new TraceRequest { Prompt = Question, Sampling = new SamplingOptions { Temperature = 0, MaxTokens = 60 } }))[0];
        Assert.Equal(trace.TokenIds, fixture.Model.Tokenizer.Inner.EncodeToIds(trace.Text));

        var score = (await new OnnxContinuationScorer(fixture.Model).ScoreAsync([new Continuation(Question, trace.Text)]))[0];

        Assert.True(score.IsGreedy);
        Assert.Equal(fixture.Model.Tokenizer.Encode(Question).Length, score.PromptTokens);
        Assert.Equal(trace.TokenLogProbs.Count, score.TokenLogProbs.Count);
        for (var i = 0; i < trace.TokenLogProbs.Count; i++)
            Assert.Equal(trace.TokenLogProbs[i], score.TokenLogProbs[i], 3);
    }

    [Fact]
    public async Task Score_InABatchOfMixedLengths_EqualsEachScoredAlone()
    {
        var scorer = new OnnxContinuationScorer(fixture.Model);
        Continuation[] items = [new(Question, " 46-36=10. 10/2=5."), new("Calc: 46-36=", "10."), new("Calc: 7*8=", "56."), new(Question, " 46-36=11.")];

        var together = await scorer.ScoreAsync(items);

        for (var i = 0; i < items.Length; i++)
        {
            var alone = (await scorer.ScoreAsync([items[i]]))[0];
            Assert.Equal(alone.IsGreedy, together[i].IsGreedy);
            Assert.Equal(alone.LogProb, together[i].LogProb, 4);
        }
    }

    [Fact]
    public async Task Score_OfAWrongResult_IsLowerAndNotGreedy()
    {
        var scores = await new OnnxContinuationScorer(fixture.Model).ScoreAsync([new("Calc: 46-36=", "10."), new("Calc: 46-36=", "19.")]);

        Assert.True(scores[0].IsGreedy);
        Assert.False(scores[1].IsGreedy);
        Assert.True(scores[1].LogProb < scores[0].LogProb - 2, $"{scores[1].LogProb} vs {scores[0].LogProb}");
    }

    [Fact]
    public async Task Score_LongerThanTheContext_NamesTheItemAndTheLimit()
    {
        var scorer = new OnnxContinuationScorer(fixture.Model);
        var tooLong = string.Concat(Enumerable.Repeat("1+1=2. ", 200));

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => scorer.ScoreAsync([new("Calc: 1+1=", "2."), new("Calc:", tooLong)]));

        Assert.Contains("Item 1", ex.Message);
        Assert.Contains("context is 320", ex.Message);
    }
}
