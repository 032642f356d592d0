using System.Text.Json.Nodes;
using InferenceScaling.Answers;
using InferenceScaling.Evaluation;

namespace InferenceScaling.Tests.Evaluation;

public sealed class AnswerGraderTests
{
    private readonly AnswerGrader _grader = new();

    [Theory]
    [InlineData("57", "12+7=19. 19*3=57. Answer: 57", true, "57", AnswerSource.AnswerLine)]
    [InlineData("57", "12+7=19. 19*3=56. Answer: 56", false, "56", AnswerSource.AnswerLine)]
    [InlineData("0.5", @"so it is \boxed{\frac{1}{2}}", true, @"\frac{1}{2}", AnswerSource.Boxed)]
    [InlineData("1234", "They earn 1,234 in all.\n#### 1,234", true, "1,234", AnswerSource.Hashes)]
    [InlineData("19", "12+7=19. Then I added 3 more and got 19", true, "19", AnswerSource.LastNumber)]
    public void Grade_ReadsAnswerFromTrace(string gold, string prediction, bool correct, string extracted, AnswerSource source)
    {
        var graded = _grader.Grade(gold, prediction);
        Assert.Equal(correct, graded.Correct);
        Assert.Equal(extracted, graded.Extracted);
        Assert.Equal(source, graded.ExtractedFrom);
    }

    [Theory]
    [InlineData("1/2", @"\frac{1}{2}", true)]
    [InlineData("3", "3", true)]
    [InlineData("(1,2)", "(1, 2)", true)]
    [InlineData("5", "x = 5", true)]
    [InlineData("5", "5 apples", true)]
    [InlineData("1/2", "1/3", false)]
    public void Grade_TakesBareAnswerWhole(string gold, string prediction, bool correct)
    {
        var graded = _grader.Grade(gold, prediction);
        Assert.Equal(correct, graded.Correct);
        Assert.Equal(prediction, graded.Extracted);
        Assert.Null(graded.ExtractedFrom);
    }

    [Theory]
    [InlineData("The answer is $\\boxed{72}$ because ...", "72")]
    [InlineData("Natalia sold 48/2 = 24 clips in May.\nNatalia sold 48+24 = 72 clips.\n#### 72", "72")]
    public void Grade_ReadsGoldFromSolution(string gold, string expectedGold)
    {
        var graded = _grader.Grade(gold, "72");
        Assert.True(graded.Correct);
        Assert.Equal(expectedGold, graded.Gold);
    }

    [Theory]
    [InlineData("12+7=19. 19*3=")]
    [InlineData("12+7=19. 19*3=57. Answer:")]
    public void Grade_CutOffTraceHasNoAnswer(string prediction)
    {
        var graded = _grader.Grade("57", prediction);
        Assert.False(graded.Correct);
        Assert.Null(graded.Extracted);
        Assert.Null(graded.PredictionNormalized);
    }

    [Fact]
    public void GradeJsonl_RoundTripsLinesWithAddedFields()
    {
        var input = string.Join('\n',
            """{"id": "a", "gold": "1/2", "prediction": "\\frac{1}{2}"}""",
            """{"id": "b", "gold": 57, "prediction": "12+7=19. 19*3=57. Answer: 57"}""",
            "",
            """{"id": "c", "gold": "7", "prediction": "Answer: 8"}""");
        var output = new StringWriter();

        var summary = _grader.GradeJsonl(new StringReader(input), output);

        Assert.Equal(new GradingSummary(3, 2), summary);
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!.AsObject()).ToArray();
        Assert.Equal(3, lines.Length);
        Assert.Equal("a", (string?)lines[0]["id"]);
        Assert.True((bool)lines[0]["correct"]!);
        Assert.Equal("1/2", (string?)lines[0]["gold_normalized"]);
        Assert.Equal("1/2", (string?)lines[0]["prediction_normalized"]);
        Assert.Equal(@"\frac{1}{2}", (string?)lines[0]["extracted"]);
        Assert.Equal("whole", (string?)lines[0]["extracted_from"]);
        Assert.Equal(57, (int)lines[1]["gold"]!);
        Assert.Equal("57", (string?)lines[1]["extracted"]);
        Assert.Equal("answer_line", (string?)lines[1]["extracted_from"]);
        Assert.False((bool)lines[2]["correct"]!);
        Assert.Equal("8", (string?)lines[2]["prediction_normalized"]);
    }

    [Fact]
    public void GradeJsonl_AcceptsAnswerAndResponseAliases()
    {
        var input = """
            {"question": "q", "answer": "72", "response": "...\n#### 72"}
            {"answer": "3", "response": 3.0}
            {"answer": "5", "response": null}
            """;
        var output = new StringWriter();

        var summary = _grader.GradeJsonl(new StringReader(input), output);

        Assert.Equal(3, summary.Total);
        Assert.Equal(2, summary.Correct);
        var last = JsonNode.Parse(output.ToString().Split('\n')[2])!.AsObject();
        Assert.False((bool)last["correct"]!);
        Assert.Null(last["extracted"]);
    }

    [Fact]
    public void GradeJsonl_PrefersGoldOverAnswer()
    {
        var summary = _grader.GradeJsonl(new StringReader("""{"gold": "1", "answer": "2", "prediction": "1"}"""), new StringWriter());
        Assert.Equal(1, summary.Correct);
    }

    [Theory]
    [InlineData("{\"gold\": \"1\", \"prediction\": \"1\"}\n{not json}", 2, "not valid JSON")]
    [InlineData("[1, 2]", 1, "expected a JSON object")]
    [InlineData("{\"prediction\": \"1\"}", 1, "\"gold\"")]
    [InlineData("{\"gold\": \"1\"}", 1, "\"prediction\"")]
    [InlineData("{\"gold\": null, \"prediction\": \"1\"}", 1, "null")]
    [InlineData("{\"gold\": [1], \"prediction\": \"1\"}", 1, "string or a number")]
    [InlineData("\n\n{\"gold\": true, \"prediction\": \"1\"}", 3, "string or a number")]
    public void GradeJsonl_BadLineNamesItsNumber(string input, int lineNumber, string problem)
    {
        var output = new StringWriter();
        var ex = Assert.Throws<GradeInputException>(() => _grader.GradeJsonl(new StringReader(input), output));
        Assert.Equal(lineNumber, ex.LineNumber);
        Assert.StartsWith($"line {lineNumber}:", ex.Message, StringComparison.Ordinal);
        Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
        Assert.Empty(output.ToString());
    }

    [Theory]
    [InlineData(16, 13, "accuracy 0.8125 (13/16)")]
    [InlineData(3, 3, "accuracy 1.0000 (3/3)")]
    [InlineData(0, 0, "accuracy 0.0000 (0/0)")]
    public void Summary_FormatsAccuracy(int total, int correct, string expected) =>
        Assert.Equal(expected, new GradingSummary(total, correct).ToString());
}
