using InferenceScaling.Arith;
using InferenceScaling.Evaluation;

namespace InferenceScaling.Tests.Evaluation;

public sealed class EvalSetTests
{
    private static string Sample(string name) => Path.Combine(AppContext.BaseDirectory, "Evaluation", "EvalSets", "Samples", name);

    [Fact]
    public void Load_ReadsGsm8kAnswerAfterHashesWithCommasRemoved()
    {
        var set = EvalSet.Load(Sample("gsm8k.jsonl"));

        Assert.Equal(EvalSetFormat.Gsm8k, set.Format);
        Assert.Equal(["72", "1350"], set.Problems.Select(p => p.Answer));
        Assert.Equal(["gsm8k-1", "gsm8k-2"], set.Problems.Select(p => p.Id));
        Assert.StartsWith("Natalia sold clips", set.Problems[0].Question, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ReadsMathAnswerFromLastBoxedWithNestedBraces()
    {
        var set = EvalSet.Load(Sample("math.jsonl"));

        Assert.Equal(EvalSetFormat.Math, set.Format);
        Assert.Equal(["\\frac{1}{2}", "4", "\\{-1, 1\\}"], set.Problems.Select(p => p.Answer));
        Assert.Equal("Level 1", set.Problems[0].Difficulty);
        Assert.Equal("math;Prealgebra", set.Problems[0].Source);
    }

    [Fact]
    public void Load_ReadsPlainSchemaSkippingBlankLinesAndGeneratingMissingIds()
    {
        var set = EvalSet.Load(Sample("plain.jsonl"));

        Assert.Equal(EvalSetFormat.Plain, set.Format);
        Assert.Equal(2, set.Problems.Count);
        Assert.Equal(new EvalProblem("p1", "Tom has 3 apples and buys 4 more. How many apples does he have now?", "7", "hand", "easy"), set.Problems[0]);
        Assert.Equal("plain-3", set.Problems[1].Id);
        Assert.Equal("42", set.Problems[1].Answer);
        Assert.Equal("plain", set.Name);
    }

    [Fact]
    public void Load_MissingFieldNamesFileAndLine()
    {
        var ex = Assert.Throws<InvalidDataException>(() => EvalSet.Load(Sample("bad-missing-answer.jsonl")));

        Assert.Contains("bad-missing-answer.jsonl:2", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'answer'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_BadJsonNamesFileAndLine()
    {
        var ex = Assert.Throws<InvalidDataException>(() => EvalSet.Load(Sample("bad-json.jsonl")));

        Assert.Contains("bad-json.jsonl:3", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingFileNamesThePath()
    {
        var ex = Assert.Throws<FileNotFoundException>(() => EvalSet.Load(Sample("nope.jsonl")));

        Assert.Contains("nope.jsonl", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("so \\boxed{5}.", "5")]
    [InlineData("\\boxed{\\frac{a}{b^{2}}} end", "\\frac{a}{b^{2}}")]
    [InlineData("\\boxed{1} then \\boxed{2}", "2")]
    [InlineData("\\fbox{x}", "x")]
    [InlineData("no box", null)]
    [InlineData("\\boxed{\\frac{1}{2}", null)]
    public void LastBoxed_ExtractsBalancedContentOfTheLastBox(string text, string? expected)
    {
        Assert.Equal(expected, EvalSet.LastBoxed(text));
    }

    [Fact]
    public void Draw_WithoutADifficulty_UsesTheDefault_Hard()
    {
        Assert.Same(ProblemDifficulty.Hard, ProblemDifficulty.Default);
        Assert.Same(ProblemDifficulty.Default, ProblemDifficulty.Parse("default"));
        var set = EvalSet.Draw(seed: 5, count: 10);
        Assert.All(set.Problems, p => Assert.Equal(ProblemDifficulty.Hard.ToString(), p.Difficulty));
    }

    [Fact]
    public void Draw_IsDeterministicAndRecordsSeedAndGeneratorVersion()
    {
        var a = EvalSet.Draw(seed: 42, count: 20, ProblemDifficulty.Medium);
        var b = EvalSet.Draw(seed: 42, count: 20, ProblemDifficulty.Medium);
        var c = EvalSet.Draw(seed: 43, count: 20, ProblemDifficulty.Medium);

        Assert.Equal(a.Problems, b.Problems);
        Assert.NotEqual(a.Problems.Select(p => p.Question), c.Problems.Select(p => p.Question));
        Assert.All(a.Problems, p => Assert.Equal($"{ArithmeticProblemGenerator.Version};seed=42", p.Source));
        Assert.Contains("seed=42", a.Source, StringComparison.Ordinal);
        Assert.Equal(20, a.Problems.Select(p => p.Id).Distinct().Count());
    }

    [Fact]
    public void Save_ThenLoad_RoundTripsTheProblems()
    {
        var dir = Directory.CreateTempSubdirectory("evalset-");
        try
        {
            var drawn = EvalSet.Draw(seed: 7, count: 15);
            var path = Path.Combine(dir.FullName, "sub", "set.jsonl");
            drawn.Save(path);

            var loaded = EvalSet.Load(path);

            Assert.Equal(EvalSetFormat.Plain, loaded.Format);
            Assert.Equal(drawn.Problems, loaded.Problems);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
