using InferenceScaling.Tests.Fakes;
using InferenceScaling.Verification;

namespace InferenceScaling.Tests.Verification;

public sealed class VerdictParserTests
{
    private static readonly VerdictParser Parser = VerdictParser.For(ScriptedPipeline.Arith);

    [Fact]
    public void Parse_ReadsCorrectAndWrongWithStep()
    {
        var correct = Parser.Parse(" 34-22=12 ok. 12+35=47 ok. Verdict: correct");
        Assert.Equal(VerdictKind.Correct, correct.Kind);
        Assert.Equal(" 34-22=12 ok. 12+35=47 ok. Verdict:".Length, correct.WordIndex);

        var wrong = Parser.Parse(" 34-22=12 ok. 12+35=47 ok. 47*9=423 wrong. Verdict: wrong at step 3");
        Assert.Equal(VerdictKind.Wrong, wrong.Kind);
        Assert.Equal(3, wrong.WrongStep);
        Assert.Equal(" 34-22=12 ok. 12+35=47 ok. 47*9=423 wrong. Verdict:".Length, wrong.WordIndex);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" 34-22=12 ok. 12+35=47 ok. Verd")]
    [InlineData(" 34-22=12 ok. Verdict: maybe")]
    [InlineData(" 34-22=12 ok. Verdict: correctly computed")]
    [InlineData(" 34-22=12 ok. Verdict: correctness unclear")]
    [InlineData(" 34-22=12 wrong. Verdict: wrong at step")]
    [InlineData("correct correct correct")]
    [InlineData("Verdict:correct")]
    public void Parse_MalformedOutputIsNoVerdictNeverCorrect(string text)
    {
        Assert.Equal(VerdictKind.None, Parser.Parse(text).Kind);
    }

    [Fact]
    public void Parse_TheFirstVerdictCounts()
    {
        Assert.Equal(VerdictKind.Wrong, Parser.Parse(" Verdict: wrong at step 2\nQ: 1+1? Verdict: correct").Kind);
        Assert.Equal(VerdictKind.Correct, Parser.Parse(" Verdict: correct. Verdict: wrong at step 1").Kind);
    }

    [Fact]
    public void Marker_IsTheTextBeforeTheVerdictWord()
    {
        Assert.Equal("Verdict:", Parser.Marker);
    }

    [Fact]
    public void VerdictTokens_FromTokenizer_TakesTheFirstTokenAfterTheMarker()
    {
        // A toy word-level tokenizer with a beginning-of-sequence id.
        var vocab = new Dictionary<string, int> { ["Verdict:"] = 10, [" correct"] = 11, [" wrong"] = 12 };
        IReadOnlyList<int> Encode(string text)
        {
            var ids = new List<int> { 1 };
            foreach (var (word, id) in vocab.OrderByDescending(kv => kv.Key.Length))
                if (text.Contains(word, StringComparison.Ordinal)) ids.Insert(word == "Verdict:" ? 1 : ids.Count, id);
            return ids;
        }

        Assert.Equal(new VerdictTokens(11, 12), VerdictTokens.FromTokenizer(Encode, "Verdict:"));
        Assert.Null(VerdictTokens.FromTokenizer(_ => [1, 10], "Verdict:"));
    }
}
