using InferenceScaling.Answers;
using InferenceScaling.Sampling;
using InferenceScaling.Voting;

namespace InferenceScaling.Tests.Voting;

public sealed class CutOffTraceTests
{
    private static Trace Trace(int index, string text, FinishReason reason) => new()
    {
        Index = index,
        Text = text,
        TokenIds = [1],
        TokenLogProbs = [-0.1f],
        TokenConfidences = [1f],
        FinishReason = reason,
        PromptTokens = 3,
        DecodeSteps = 1,
    };

    [Fact]
    public void TraceCutOffBeforeAnyAnswerLine_CastsNoVote()
    {
        var box = new BallotBox(new MathAnswerExtractor(), MathAnswerEquivalence.Instance);
        var cut = box.Add(Trace(0, "12+7=19. 19*3=5", FinishReason.Length));
        Assert.Null(cut.Answer);
        Assert.Null(cut.Key);
    }

    [Fact]
    public void TraceCutOffAfterItsAnswerLine_StillVotes()
    {
        var box = new BallotBox(new MathAnswerExtractor(), MathAnswerEquivalence.Instance);
        var cut = box.Add(Trace(0, "12+7=19. Answer: 19\nQ: next", FinishReason.Length));
        Assert.Equal("19", cut.Answer!.Text);
    }

    [Fact]
    public void FinishedTraceWithoutMarker_FallsBackToItsLastNumber()
    {
        var box = new BallotBox(new MathAnswerExtractor(), MathAnswerEquivalence.Instance);
        var done = box.Add(Trace(0, "so the total is 42", FinishReason.EndOfSequence));
        Assert.Equal("42", done.Answer!.Text);
    }
}
