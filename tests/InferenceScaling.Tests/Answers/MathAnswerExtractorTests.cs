using InferenceScaling.Answers;

namespace InferenceScaling.Tests.Answers;

public sealed class MathAnswerExtractorTests
{
    private static readonly MathAnswerExtractor Default = new();
    private static readonly MathAnswerExtractor NoFallback = new(fallbackToLastNumber: false);

    [Theory]
    [InlineData(@"So the answer is $\boxed{\frac{3}{4}}$.", @"\frac{3}{4}")]
    [InlineData(@"Thus $x = \boxed{5}$", "5")]
    [InlineData(@"\boxed{\text{(A)}}", @"\text{(A)}")]
    [InlineData(@"\boxed{\frac{\sqrt{2}}{2}}", @"\frac{\sqrt{2}}{2}")]
    [InlineData(@"\boxed{ 12 }", "12")]
    [InlineData(@"\boxed{\{1,2\}}", @"\{1,2\}")]
    [InlineData(@"\boxed{\left( 3, \frac{\pi}{2} \right)}", @"\left( 3, \frac{\pi}{2} \right)")]
    [InlineData(@"$\boxed 7$ is it", "7")]
    [InlineData(@"\fbox{42}", "42")]
    [InlineData(@"First \boxed{1}, then \boxed{2}.", "2")]
    [InlineData(@"\boxed{2} Answer: 3", "2")]
    public void Boxed_ReadsLastBalancedBox(string text, string expected) => AssertExtracted(text, expected, AnswerSource.Boxed);

    [Theory]
    [InlineData(@"\boxed{\frac{1}{\sqrt{x+{1}}}}", @"\frac{1}{\sqrt{x+{1}}}")]
    [InlineData(@"\boxed{{{{a}}}}", "{{{a}}}")]
    [InlineData(@"\boxed{a^{2} + b_{i}}", "a^{2} + b_{i}")]
    public void Boxed_NestedBracesStayBalanced(string text, string expected) => AssertExtracted(text, expected, AnswerSource.Boxed);

    [Theory]
    [InlineData("Natalia sold 48/2 = 24 clips in May.\nNatalia sold 48+24 = 72 clips.\n#### 72", "72")]
    [InlineData("#### 1,234", "1,234")]
    [InlineData("#### -5\n", "-5")]
    [InlineData("#### 3\nmore text\n#### 4", "4")]
    [InlineData("#### 10.", "10")]
    public void Hashes_ReadsGsm8kAnswer(string text, string expected) => AssertExtracted(text, expected, AnswerSource.Hashes);

    [Theory]
    [InlineData("Final Answer: The final answer is $5$. I hope it is correct.", "5")]
    [InlineData(@"Final Answer: The final answer is $\frac{1}{2}$. I hope it is correct.", @"\frac{1}{2}")]
    [InlineData("Final Answer: The final answer is 3.5. I hope it is correct.", "3.5")]
    [InlineData("The final answer is 7", "7")]
    [InlineData("the final answer is 1. Then the final answer is 2.", "2")]
    public void FinalAnswer_StripsHopeSentence(string text, string expected) => AssertExtracted(text, expected, AnswerSource.FinalAnswer);

    [Theory]
    [InlineData("12+7=19. 19*3=57. Answer: 57", "57")]
    [InlineData("Answer: 3.5.", "3.5")]
    [InlineData("Answer: 3.", "3")]
    [InlineData("The answer is 12. Let me know.", "12")]
    [InlineData("The answer is: 12", "12")]
    [InlineData("**Answer:** 42", "42")]
    [InlineData("Answer: $\\frac{1}{2}$.", "\\frac{1}{2}")]
    [InlineData("Answer: 1\nAnswer: 2\n", "2")]
    [InlineData("answer: -4", "-4")]
    [InlineData("Answer: 1,234 apples.\nDone", "1,234 apples")]
    [InlineData("Final Answer: 9", "9")]
    [InlineData("So the answer is \\{1. 2\\}", "\\{1. 2\\}")]
    public void AnswerLine_ReadsToLineOrSentenceEnd(string text, string expected) => AssertExtracted(text, expected, AnswerSource.AnswerLine);

    [Theory]
    [InlineData("12 apples and 7 pears make 19", "19")]
    [InlineData("the total is -3 degrees", "-3")]
    [InlineData("x is 1,234,567 in all", "1,234,567")]
    [InlineData("so 3/4 of it", "3/4")]
    [InlineData("19-3 gives 16.", "16")]
    [InlineData("value 2.50 dollars", "2.50")]
    public void LastNumber_IsTheFallbackWithoutMarkers(string text, string expected) => AssertExtracted(text, expected, AnswerSource.LastNumber);

    [Theory]
    [InlineData("12+7=19. 19*3=")]
    [InlineData("12+7=19. 19*3=57. Answer:")]
    [InlineData("12+7=19. 19*3=57. Answer: ")]
    [InlineData(@"The area is \boxed{\frac{1}{2")]
    [InlineData("#### ")]
    [InlineData("The final answer is")]
    [InlineData("19 + ")]
    public void CutOffTrace_GivesNullEvenWithFallback(string text)
    {
        Assert.Null(Default.Extract(text));
        Assert.Null(NoFallback.Extract(text));
    }

    [Theory]
    [InlineData("12+7=19. 19*3=57")]
    [InlineData("there are 5 of them")]
    public void NoMarker_GivesNullWhenFallbackIsOff(string text) => Assert.Null(NoFallback.Extract(text));

    [Theory]
    [InlineData("")]
    [InlineData("no numbers here")]
    [InlineData("   ")]
    [InlineData("Reanswer: is not a marker")]
    public void NothingToRead_GivesNull(string text) => Assert.Null(Default.Extract(text));

    [Fact]
    public void ShippedModelTrace_ExtractsFinalResult()
    {
        var answer = Default.Extract("12+7=19. 19*3=57. Answer: 57");
        Assert.Equal(new ExtractedAnswer("57", AnswerSource.AnswerLine), answer);
    }

    [Fact]
    public void Options_DefaultFallbackIsOn() => Assert.True(new MathAnswerExtractor().FallbackToLastNumber);

    [Fact]
    public async Task AdversarialInput_ReturnsInBoundedTime()
    {
        var inputs = new[]
        {
            @"\boxed" + new string('{', 100_000),
            new string('{', 100_000),
            string.Concat(Enumerable.Repeat(@"\boxed{", 20_000)),
            string.Concat(Enumerable.Repeat("Answer: 1.", 20_000)),
            string.Concat(Enumerable.Repeat("1,", 50_000)) + "1",
            string.Concat(Enumerable.Repeat("answe", 20_000)),
            string.Concat(Enumerable.Repeat("1/", 50_000)) + "1",
            new string('-', 100_000) + "5",
        };
        var run = Task.Run(() =>
        {
            foreach (var input in inputs) Default.Extract(input);
        });

        // A guard against hangs, not a timing test: WaitAsync throws TimeoutException if the work never finishes.
        await run.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private static void AssertExtracted(string text, string expected, AnswerSource source)
    {
        var answer = Default.Extract(text);
        Assert.NotNull(answer);
        Assert.Equal(expected, answer.Text);
        Assert.Equal(source, answer.Source);
    }
}
