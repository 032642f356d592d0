using InferenceScaling.Tools;

namespace InferenceScaling.Tests.Tools;

public sealed class CalculatorTests
{
    [Theory]
    [InlineData("521+9", "530")]
    [InlineData("455*7", "3185")]
    [InlineData("78/6", "13")]
    [InlineData("45-110", "-65")]
    [InlineData("7/2", "3.5")]
    [InlineData("1/3", "1/3")]
    [InlineData("-4/6", "-2/3")]
    [InlineData("0.1+0.2", "0.3")]
    [InlineData("1/8", "0.125")]
    [InlineData("-1/40", "-0.025")]
    [InlineData("2^10", "1024")]
    [InlineData("2**3**2", "512")]
    [InlineData("-2^2", "-4")]
    [InlineData("2^-2", "0.25")]
    [InlineData("(-1)^1000001", "-1")]
    [InlineData("0^0", "1")]
    [InlineData("(3 - 5) * 2^10 / 6", "-1024/3")]
    [InlineData("−3×4÷2", "-6")]
    [InlineData(" ( (1+2) * (3+4) ) ", "21")]
    [InlineData("123456789012345678901234567890*987654321098765432109876543210", "121932631137021795226185032733622923332237463801111263526900")]
    public void Evaluate_IsExact(string expression, string value)
    {
        var result = Calculator.Default.Evaluate(expression);
        Assert.False(result.IsError, result.Text);
        Assert.Equal(value, result.Text);
    }

    [Theory]
    [InlineData("5/0", "division by zero")]
    [InlineData("5/(2-2)", "division by zero")]
    [InlineData("0^-1", "division by zero")]
    [InlineData("2^0.5", "exponent must be an integer")]
    [InlineData("2^100000", "result too large")]
    [InlineData("99^99", "result too large")]
    [InlineData("0.5^600", "result too large")]
    [InlineData("", "empty expression")]
    [InlineData("   ", "empty expression")]
    [InlineData("1+", "expression ends early")]
    [InlineData("(1+2", "missing ')'")]
    [InlineData("1..2", "bad number")]
    [InlineData("1.2.3", "bad number")]
    [InlineData(".", "bad number")]
    [InlineData("abc", "unexpected 'a' at 1")]
    [InlineData("2+3)", "unexpected ')' at 4")]
    [InlineData("System.IO.File.Delete(\"x\")", "unexpected 'S' at 1")]
    [InlineData("12345678901234567890123456789012345678901", "number too long")]
    public void BadExpressions_GiveTheErrorText_NotAnException(string expression, string error)
    {
        var result = Calculator.Default.Evaluate(expression);
        Assert.True(result.IsError, result.Text);
        Assert.StartsWith(error, result.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Limits_BoundLengthNestingAndSize()
    {
        var calculator = new Calculator(new CalculatorOptions { MaxExpressionLength = 20, MaxDepth = 4, MaxResultBits = 16 });
        Assert.StartsWith("expression too long", calculator.Evaluate(new string('1', 21)).Text, StringComparison.Ordinal);
        Assert.Equal("3", calculator.Evaluate("((((3))))").Text);
        Assert.StartsWith("expression nested too deeply", calculator.Evaluate("(((((3)))))").Text, StringComparison.Ordinal);
        Assert.Equal("65535", calculator.Evaluate("65535").Text);
        Assert.StartsWith("result too large", calculator.Evaluate("65535*2").Text, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Calculator(new CalculatorOptions { MaxDepth = 0 }));
    }

    [Fact]
    public void ManyRandomExpressions_NeverThrow_AndEveryErrorSaysWhy()
    {
        var random = new Random(1234);
        const string alphabet = "0123456789+-*/^(). x×÷−";
        var errors = 0;
        for (var i = 0; i < 5000; i++)
        {
            var chars = new char[random.Next(0, 40)];
            for (var k = 0; k < chars.Length; k++) chars[k] = alphabet[random.Next(alphabet.Length)];
            var result = Calculator.Default.Evaluate(new string(chars));
            Assert.False(string.IsNullOrWhiteSpace(result.Text));
            if (result.IsError) errors++;
        }

        Assert.InRange(errors, 1, 4999);
    }
}
