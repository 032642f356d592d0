using InferenceScaling.Answers;

namespace InferenceScaling.Tests.Answers;

public sealed class MathAnswerEquivalenceTests
{
    private static readonly MathAnswerEquivalence Equivalence = MathAnswerEquivalence.Instance;

    [Theory]
    [InlineData("1,234", "1234", true)]
    [InlineData("1,234,567", "1234567", true)]
    [InlineData("1,\\!234", "1234", true)]
    [InlineData("-1,234.5", "-1234.5", true)]
    [InlineData("57", "57", true)]
    [InlineData("057", "57", true)]
    [InlineData("+5", "5", true)]
    [InlineData("57", "58", false)]
    [InlineData("1,234", "1.234", false)]
    [InlineData("12,34", "1234", false)]
    public void Equivalent_Integers(string left, string right, bool expected) => AssertEquivalence(left, right, expected);

    [Theory]
    [InlineData("0.5", "1/2", true)]
    [InlineData(".5", "0.5", true)]
    [InlineData("5.00", "5", true)]
    [InlineData("0.1", "1/10", true)]
    [InlineData("3.14", "3.140", true)]
    [InlineData("0.1", "0.10000000000000001", false)]
    [InlineData("0.333", "1/3", false)]
    [InlineData("2.5", "2.05", false)]
    public void Equivalent_Decimals(string left, string right, bool expected) => AssertEquivalence(left, right, expected);

    [Theory]
    [InlineData("−5", "-5", true)]
    [InlineData("$-5$", "-5", true)]
    [InlineData("- 5", "-5", true)]
    [InlineData("--5", "5", true)]
    [InlineData("-\\frac{1}{2}", "\\frac{-1}{2}", true)]
    [InlineData("-5", "5", false)]
    [InlineData("−0.5", "1/2", false)]
    public void Equivalent_Signs(string left, string right, bool expected) => AssertEquivalence(left, right, expected);

    [Theory]
    [InlineData("1/2", "0.5", true)]
    [InlineData("\\frac{1}{2}", "0.5", true)]
    [InlineData("\\dfrac{1}{2}", "\\frac12", true)]
    [InlineData("\\tfrac{3}{4}", "0.75", true)]
    [InlineData("\\frac{3}{4}", "6/8", true)]
    [InlineData("\\frac{-3}{4}", "-0.75", true)]
    [InlineData("\\frac1{2}", "1/2", true)]
    [InlineData("\\frac{1}2", "1/2", true)]
    [InlineData("\\frac{10}{4}", "5/2", true)]
    [InlineData("4/2", "2", true)]
    [InlineData("\\frac{1}{3}", "1/4", false)]
    [InlineData("\\frac{12}{3}", "\\frac{1}{23}", false)]
    [InlineData("1/0", "0", false)]
    public void Equivalent_Fractions(string left, string right, bool expected) => AssertEquivalence(left, right, expected);

    [Theory]
    [InlineData("1 1/2", "3/2", true)]
    [InlineData("1\\frac{1}{2}", "1.5", true)]
    [InlineData("1 \\frac{1}{2}", "\\frac{3}{2}", true)]
    [InlineData("-2 3/4", "-11/4", true)]
    [InlineData("2\\frac12", "2.5", true)]
    [InlineData("1 1/2", "1/2", false)]
    [InlineData("2 3/2", "3.5", false)]
    public void Equivalent_MixedNumbers(string left, string right, bool expected) => AssertEquivalence(left, right, expected);

    // Policy: the percent sign is dropped, as in the MATH grader, so 50% is 50, not 0.5.
    [Theory]
    [InlineData("50\\%", "50", true)]
    [InlineData("50%", "50", true)]
    [InlineData("12.5\\%", "\\frac{25}{2}", true)]
    [InlineData("50%", "0.5", false)]
    [InlineData("50%", "51", false)]
    public void Equivalent_Percentages(string left, string right, bool expected) => AssertEquivalence(left, right, expected);

    [Theory]
    [InlineData("$5", "5", true)]
    [InlineData("\\$5.00", "5", true)]
    [InlineData("\\$1,234.50", "1234.5", true)]
    [InlineData("$\\$18.90$", "18.9", true)]
    [InlineData("\\$5", "6", false)]
    public void Equivalent_Currency(string left, string right, bool expected) => AssertEquivalence(left, right, expected);

    // Policy: words after a number and a space are units and are dropped; letters touching a number are not.
    [Theory]
    [InlineData("5 apples", "5", true)]
    [InlineData("5 \\text{ cm}", "5", true)]
    [InlineData("5\\text{cm}", "5", true)]
    [InlineData("5 \\text{cm}^2", "5", true)]
    [InlineData("12 m/s", "12", true)]
    [InlineData("30^\\circ", "30", true)]
    [InlineData("30^{\\circ}", "30", true)]
    [InlineData("30°", "30", true)]
    [InlineData("1,234 dollars", "1234", true)]
    [InlineData("\\frac{1}{2} \\text{ inch}", "0.5", true)]
    [InlineData("2x", "2", false)]
    [InlineData("5 apples", "6", false)]
    [InlineData("5 + x", "5", false)]
    public void Equivalent_Units(string left, string right, bool expected) => AssertEquivalence(left, right, expected);

    [Theory]
    [InlineData("x = 5", "5", true)]
    [InlineData("x=5", "5", true)]
    [InlineData("k = \\frac12", "0.5", true)]
    [InlineData("\\theta = 30^\\circ", "30", true)]
    [InlineData("y = 2x+3", "2x + 3", true)]
    [InlineData("x = 5", "6", false)]
    [InlineData("x == 5", "5", false)]
    public void Equivalent_Assignments(string left, string right, bool expected) => AssertEquivalence(left, right, expected);

    [Theory]
    [InlineData("\\text{Monday}", "Monday", true)]
    [InlineData("\\text{Monday}", "monday", true)]
    [InlineData("\\textbf{(B)}", "B", true)]
    [InlineData("\\text{(A)}", "(A)", true)]
    [InlineData("(C)", "C", true)]
    [InlineData("\\left( 1, 2 \\right)", "(1,2)", true)]
    [InlineData("\\left[ 0, 1 \\right)", "[0,1)", true)]
    [InlineData("\\!5\\,", "5", true)]
    [InlineData("  5  ", "5", true)]
    [InlineData("\\displaystyle \\frac{1}{2}", "1/2", true)]
    [InlineData("\\(\\frac{1}{2}\\)", "1/2", true)]
    [InlineData("$\\frac{1}{2}$", "1/2", true)]
    [InlineData("5.", "5", true)]
    [InlineData("\\text{(A)}", "(B)", false)]
    [InlineData("Tuesday", "Monday", false)]
    public void Equivalent_LatexDecorationAndText(string left, string right, bool expected) => AssertEquivalence(left, right, expected);

    [Theory]
    [InlineData("\\sqrt{8}", "2\\sqrt{2}", true)]
    [InlineData("2\\sqrt3", "\\sqrt{12}", true)]
    [InlineData("\\sqrt{2}/2", "\\frac{\\sqrt2}{2}", true)]
    [InlineData("\\frac{1}{\\sqrt{2}}", "\\frac{\\sqrt{2}}{2}", true)]
    [InlineData("\\sqrt{\\frac{1}{2}}", "\\frac{\\sqrt{2}}{2}", true)]
    [InlineData("\\sqrt{4}", "2", true)]
    [InlineData("√2", "\\sqrt{2}", true)]
    [InlineData("3+2\\sqrt{2}", "2\\sqrt{2}+3", true)]
    [InlineData("\\frac{1+\\sqrt{5}}{2}", "\\frac{1}{2}+\\frac{\\sqrt5}{2}", true)]
    [InlineData("\\frac{1}{1+\\sqrt{2}}", "\\sqrt{2}-1", true)]
    [InlineData("\\sqrt[2]{9}", "3", true)]
    [InlineData("(\\sqrt{3})^2", "3", true)]
    [InlineData("\\sqrt{1000000}", "1000", true)]
    [InlineData("\\sqrt{999999999999989}", "\\sqrt{999999999999989}", true)]
    [InlineData("\\sqrt{2}", "\\sqrt{3}", false)]
    [InlineData("\\sqrt{8}", "3\\sqrt{2}", false)]
    [InlineData("\\sqrt{2}", "1.414", false)]
    [InlineData("\\sqrt{-4}", "2", false)]
    public void Equivalent_Radicals(string left, string right, bool expected) => AssertEquivalence(left, right, expected);

    [Theory]
    [InlineData("2\\pi", "2 \\pi", true)]
    [InlineData("\\frac{\\pi}{2}", "0.5\\pi", true)]
    [InlineData("\\frac{\\pi}{2}", "\\pi/2", true)]
    [InlineData("π", "\\pi", true)]
    [InlineData("\\frac{3\\pi}{4}", "\\frac34\\pi", true)]
    [InlineData("2\\pi r", "2\\pi r", true)]
    [InlineData("4\\sqrt{3}\\pi", "\\pi\\sqrt{48}", true)]
    [InlineData("\\pi^2", "\\pi\\cdot\\pi", true)]
    [InlineData("2\\pi", "6.28", false)]
    [InlineData("\\pi", "\\pi^2", false)]
    [InlineData("2\\pi", "\\pi", false)]
    public void Equivalent_PiMultiples(string left, string right, bool expected) => AssertEquivalence(left, right, expected);

    [Theory]
    [InlineData("(1,2)", "(1, 2)", true)]
    [InlineData("(1,2)", "\\left(1,2\\right)", true)]
    [InlineData("(0.5, \\frac{3}{2})", "(\\frac12, 1.5)", true)]
    [InlineData("(1,(2,3))", "(1, (2, 3))", true)]
    [InlineData("(1,2)", "(2,1)", false)]
    [InlineData("(1,2)", "[1,2]", false)]
    [InlineData("(1,2,3)", "(1,2)", false)]
    public void Equivalent_Tuples(string left, string right, bool expected) => AssertEquivalence(left, right, expected);

    [Theory]
    [InlineData("\\{1,2\\}", "\\{2,1\\}", true)]
    [InlineData("\\{1,2\\}", "\\{1, 2, 2\\}", true)]
    [InlineData("\\{\\frac12, 3\\}", "\\{3, 0.5\\}", true)]
    [InlineData("1, 2", "2, 1", true)]
    [InlineData("1, 2", "\\{1,2\\}", true)]
    [InlineData("x = 1, x = 2", "2, 1", true)]
    [InlineData("\\{1,2\\}", "\\{1,3\\}", false)]
    [InlineData("\\{1,2\\}", "(1,2)", false)]
    [InlineData("\\{1,2\\}", "\\{1\\}", false)]
    public void Equivalent_Sets(string left, string right, bool expected) => AssertEquivalence(left, right, expected);

    [Theory]
    [InlineData("[1,2)", "[1, 2)", true)]
    [InlineData("(-\\infty, 3]", "(-∞,3]", true)]
    [InlineData("(−∞, 0.5)", "(-\\infty,\\frac12)", true)]
    [InlineData("(-\\infty,1)\\cup(2,\\infty)", "(2,\\infty) \\cup (-\\infty,1)", true)]
    [InlineData("[1,2)", "(1,2]", false)]
    [InlineData("[1,2)", "[1,2]", false)]
    [InlineData("[1,2)", "(1,2)", false)]
    [InlineData("(-\\infty, 3]", "(-\\infty, 3)", false)]
    public void Equivalent_Intervals(string left, string right, bool expected) => AssertEquivalence(left, right, expected);

    [Theory]
    [InlineData("\\frac{3}{4}", "0.75", true)]
    [InlineData("\\text{(A)}", "A", true)]
    [InlineData("\\frac{\\sqrt{3}}{3}", "\\frac{1}{\\sqrt{3}}", true)]
    [InlineData("\\dfrac{5}{2}", "2.5", true)]
    [InlineData("10\\%", "10", true)]
    [InlineData("\\$ 32,\\!348", "32348", true)]
    [InlineData("\\left(-\\frac{1}{2}, \\frac{\\sqrt{3}}{2}\\right)", "(-0.5, \\frac{\\sqrt3}{2})", true)]
    [InlineData("2^{10}", "1024", true)]
    [InlineData("3 \\cdot 4", "12", true)]
    [InlineData("6 \\times 10^{3}", "6000", true)]
    [InlineData("2^{-1}", "0.5", true)]
    [InlineData("\\frac{3}{4}", "\\frac{4}{3}", false)]
    [InlineData("\\text{(A)}", "\\text{(C)}", false)]
    public void Equivalent_MathDatasetStyle(string left, string right, bool expected) => AssertEquivalence(left, right, expected);

    [Theory]
    [InlineData("72", "72", true)]
    [InlineData("1,234", "1234", true)]
    [InlineData("18", "$18", true)]
    [InlineData("5", "5.0", true)]
    [InlineData("-3", "−3", true)]
    [InlineData("72", "27", false)]
    public void Equivalent_Gsm8kStyle(string left, string right, bool expected) => AssertEquivalence(left, right, expected);

    [Theory]
    [InlineData("")]
    [InlineData("}")]
    [InlineData("{{{")]
    [InlineData("\\frac")]
    [InlineData("\\frac{1}")]
    [InlineData("\\sqrt")]
    [InlineData("^^^")]
    [InlineData("1/0")]
    [InlineData("0^0")]
    [InlineData("0^{-1}")]
    [InlineData("\\\\")]
    [InlineData("\\")]
    [InlineData("(((1,2")]
    [InlineData("\\{\\}")]
    [InlineData("((")]
    [InlineData("2^{100000}")]
    [InlineData("(10^{200})^{200}")]
    [InlineData("\\sqrt{123456789012345678901234567890}")]
    [InlineData("\\text{")]
    [InlineData(",,,")]
    [InlineData("x = ")]
    [InlineData("1 1/0")]
    public void Garbage_NeverThrowsAndIsReflexive(string answer)
    {
        var key = Equivalence.CanonicalKey(answer);
        Assert.NotNull(key);
        Assert.True(Equivalence.AreEquivalent(answer, answer));
    }

    [Theory]
    [InlineData("1/2")]
    [InlineData("0.5")]
    [InlineData("\\frac12")]
    [InlineData("\\dfrac{1}{2}")]
    [InlineData("\\tfrac{1}{2}")]
    [InlineData("$\\frac{1}{2}$")]
    [InlineData("50/100")]
    [InlineData("0.50")]
    public void CanonicalKey_EqualForEquivalentNumbers(string answer) => Assert.Equal("1/2", Equivalence.CanonicalKey(answer));

    [Theory]
    [InlineData("57", "57")]
    [InlineData("-\\frac{6}{4}", "-3/2")]
    [InlineData("\\sqrt{8}", "2*sqrt(2)")]
    [InlineData("\\frac{\\pi}{2}", "1/2*pi")]
    [InlineData("(1, 0.5)", "(1,1/2)")]
    [InlineData("\\{2, 1\\}", "{1,2}")]
    public void CanonicalKey_IsReadable(string answer, string expected) => Assert.Equal(expected, Equivalence.CanonicalKey(answer));

    [Fact]
    public void CanonicalKey_LongInputIsComparedAsText()
    {
        var longAnswer = new string('1', 2000);
        Assert.Equal(longAnswer, Equivalence.CanonicalKey("  " + longAnswer + " "));
    }

    [Fact]
    public async Task AdversarialInput_ReturnsInBoundedTime()
    {
        var inputs = new[]
        {
            new string('{', 100_000),
            string.Concat(Enumerable.Repeat("1/", 50_000)) + "1",
            string.Concat(Enumerable.Repeat("1/", 499)) + "1",
            new string('(', 999),
            new string('(', 400) + "1" + new string(')', 400),
            string.Concat(Enumerable.Repeat("\\sqrt{", 150)) + "2" + new string('}', 150),
            string.Concat(Enumerable.Repeat("\\frac{", 150)) + "2" + new string('}', 150),
            string.Concat(Enumerable.Repeat("\\text{", 150)) + "2",
            string.Concat(Enumerable.Repeat("\\sqrt{999999999999989}", 40)),
            string.Concat(Enumerable.Repeat("(1+\\sqrt{2})^{256}", 50)),
            string.Concat(Enumerable.Repeat("9", 999)) + "^{256}",
            string.Concat(Enumerable.Repeat("\\pi", 300)),
            string.Concat(Enumerable.Repeat("\\{", 500)),
            string.Concat(Enumerable.Repeat("1,", 499)) + "1",
            string.Concat(Enumerable.Repeat("-", 999)) + "1",
            string.Concat(Enumerable.Repeat("2^", 400)) + "2",
            string.Concat(Enumerable.Repeat("(1,", 300)) + "1" + new string(')', 300),
        };
        var run = Task.Run(() =>
        {
            foreach (var input in inputs)
            {
                Equivalence.CanonicalKey(input);
                Equivalence.AreEquivalent(input, "1");
            }
        });

        // A guard against hangs, not a timing test: WaitAsync throws TimeoutException if the work never finishes.
        await run.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void ParallelComparisons_MatchSequentialResults()
    {
        string[] answers =
        [
            "1/2", "0.5", "\\frac12", "\\sqrt{8}", "2\\sqrt2", "(1,2)", "(2,1)", "\\{1,2\\}", "\\{2,1\\}", "[1,2)", "50\\%", "50",
            "1,234", "1234", "\\frac{\\pi}{2}", "x = 5", "5 apples", "\\text{(A)}", "A", "−5", "-5", "1 1/2", "1.5", "garbage{",
        ];
        var pairs = new List<(string Left, string Right)>();
        foreach (var left in answers)
            foreach (var right in answers)
                pairs.Add((left, right));

        var sequential = pairs.Select(p => Equivalence.AreEquivalent(p.Left, p.Right)).ToArray();
        var sequentialKeys = answers.Select(Equivalence.CanonicalKey).ToArray();
        for (var round = 0; round < 20; round++)
        {
            var parallel = new bool[pairs.Count];
            var parallelKeys = new string[answers.Length];
            Parallel.For(0, pairs.Count, i => parallel[i] = Equivalence.AreEquivalent(pairs[i].Left, pairs[i].Right));
            Parallel.For(0, answers.Length, i => parallelKeys[i] = Equivalence.CanonicalKey(answers[i]));
            Assert.Equal(sequential, parallel);
            Assert.Equal(sequentialKeys, parallelKeys);
        }
    }

    [Fact]
    public void AreEquivalent_IsSymmetric()
    {
        string[] answers = ["1/2", "0.5", "(1,2)", "[1,2)", "\\{1,2\\}", "1, 2", "50\\%", "0.5\\pi", "\\sqrt{12}", "2\\sqrt3", "A", "\\text{(A)}"];
        foreach (var left in answers)
            foreach (var right in answers)
                Assert.Equal(Equivalence.AreEquivalent(left, right), Equivalence.AreEquivalent(right, left));
    }

    private static void AssertEquivalence(string left, string right, bool expected)
    {
        Assert.True(
            expected == Equivalence.AreEquivalent(left, right),
            $"expected '{left}' {(expected ? "≡" : "≢")} '{right}'; keys '{Equivalence.CanonicalKey(left)}' and '{Equivalence.CanonicalKey(right)}'");
        if (expected) Assert.Equal(Equivalence.CanonicalKey(left), Equivalence.CanonicalKey(right));
    }
}
