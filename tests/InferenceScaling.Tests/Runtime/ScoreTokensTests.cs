using InferenceScaling.Runtime;
using InferenceScaling.Sampling;
using InferenceScaling.Tests.Models;

namespace InferenceScaling.Tests.Runtime;

public sealed class ScoreTokensTests(ShippedModelFixture fixture) : IClassFixture<ShippedModelFixture>
{
    [Fact]
    public async Task ScoreTokens_EqualsScoreOfTheSameSplit_AndListsTheLikeliestTokens()
    {
        var tokenizer = fixture.Model.Tokenizer;
        var scorer = new OnnxContinuationScorer(fixture.Model);
        var prompt = tokenizer.Encode("Calc: 46-36=");
        var text = tokenizer.Inner.EncodeToIds("11.").ToArray();

        var byText = (await scorer.ScoreAsync([new Continuation("Calc: 46-36=", "11.")]))[0];
        var byIds = (await scorer.ScoreTokensAsync([[.. prompt, .. text]], prompt.Length, topLogProbs: 3))[0];

        Assert.Null(byText.TopLogProbs);
        Assert.Equal(byText.TokenLogProbs, byIds.TokenLogProbs);
        Assert.Equal(byText.IsGreedy, byIds.IsGreedy);
        Assert.False(byIds.IsGreedy);
        var tops = byIds.TopLogProbs!;
        Assert.Equal(text.Length, tops.Count);
        for (var i = 0; i < tops.Count; i++)
        {
            Assert.Equal(3, tops[i].Length);
            Assert.True(tops[i][0].LogProb >= tops[i][1].LogProb && tops[i][1].LogProb >= tops[i][2].LogProb);
            Assert.True(tops[i][0].LogProb >= byIds.TokenLogProbs[i]);
        }

        // "46-36=" is 10: the first written digit "1" is likely, the second "1" is not the likeliest.
        Assert.NotEqual(text[1], tops[1][0].TokenId);
    }

    [Fact]
    public async Task ScoreTokens_RejectsAnIdOutsideTheVocabulary() =>
        await Assert.ThrowsAsync<ArgumentException>(() => new OnnxContinuationScorer(fixture.Model).ScoreTokensAsync([[1, 2, 1_000_000]]));
}
