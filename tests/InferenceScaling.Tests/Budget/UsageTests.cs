namespace InferenceScaling.Tests.Budgets;

public sealed class UsageTests
{
    [Fact]
    public void Add_SumsEveryCountAndKeepsTheMostBindingReason()
    {
        var a = new Usage { PromptTokens = 10, GeneratedTokens = 100, DecodeSteps = 104, PrefillPasses = 2, Samples = 4, WallTime = TimeSpan.FromSeconds(1), StopReason = StopReason.Deadline };
        var b = new Usage { PromptTokens = 5, GeneratedTokens = 50, DecodeSteps = 51, PrefillPasses = 1, Samples = 1, WallTime = TimeSpan.FromSeconds(2), StopReason = StopReason.Decided };
        var sum = a + b;
        Assert.Equal(new Usage { PromptTokens = 15, GeneratedTokens = 150, DecodeSteps = 155, PrefillPasses = 3, Samples = 5, WallTime = TimeSpan.FromSeconds(3), StopReason = StopReason.Deadline }, sum);
        Assert.Equal(sum, b.Add(a));
        Assert.Equal(158, sum.ForwardPasses);
    }

    [Fact]
    public void Default_IsTheZeroOfAdd()
    {
        var a = new Usage { PromptTokens = 3, GeneratedTokens = 7, DecodeSteps = 8, PrefillPasses = 1, Samples = 2, StopReason = StopReason.Unanimous };
        Assert.Equal(a, a + new Usage());
        Assert.Equal(a, new Usage() + a);
        Assert.Equal(StopReason.Completed, default(Usage).StopReason);
    }
}
