namespace InferenceScaling.Tests.Budgets;

/// <summary>One grammar for budget text and budget settings: the same keys, the same caps, no overflow.</summary>
public sealed class BudgetGrammarTests
{
    private static readonly BudgetLimits Service = new() { MaxSamples = 64, MaxGeneratedTokens = 10_000, MaxDeadline = TimeSpan.FromMinutes(1) };

    [Theory]
    [InlineData("samples=4,rounds=100000", "rounds")]
    [InlineData("samples=4,verifications=100000", "verifications")]
    [InlineData("samples=4,checks=65", "checks")]
    [InlineData("samples=65", "samples")]
    [InlineData("tokens=10001", "tokens")]
    [InlineData("deadline=1e300ms", "deadline")]
    [InlineData("deadline=1200h", "deadline")]
    [InlineData("deadline=61s", "deadline")]
    [InlineData("deadline_ms=1e300", "deadline_ms")]
    [InlineData("deadline=500", "deadline")]
    [InlineData("wave=65", "wave")]
    public void Text_OverACap_IsRefusedNamingThePart(string text, string key)
    {
        Assert.False(BudgetGrammar.TryParse(text, Service, out _, out var error));
        Assert.Contains(key + "=", error, StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => BudgetGrammar.Parse(text, Service));
    }

    [Theory]
    [InlineData("rounds", "100000")]
    [InlineData("checks", "100000")]
    [InlineData("verifications", "65")]
    [InlineData("samples", "65")]
    [InlineData("tokens", "10001")]
    [InlineData("deadline_ms", "1E+300")]
    [InlineData("deadline", "1200h")]
    [InlineData("confidence", "1.5")]
    [InlineData("samples", "1e3")]
    [InlineData("colour", "1")]
    public void Settings_OverACap_AreRefusedWithTheSameRule(string key, string value)
    {
        var budget = Budget.Balanced;
        Assert.False(BudgetGrammar.TrySet(ref budget, key, value, Service, out var error));
        Assert.NotEmpty(error);
        Assert.Equal(Budget.Balanced, budget);
        // The text form refuses the same setting.
        Assert.False(BudgetGrammar.TryParse($"{key}={value}", Service, out _, out _));
    }

    [Fact]
    public void TextAndSettings_ReadTheSameKeysToTheSameBudget()
    {
        var text = BudgetGrammar.Parse("samples=8,tokens=900,deadline_ms=1500,confidence=none,checks=3,rounds=1,wave=2", Service);
        var set = Budget.Balanced;
        foreach (var (key, value) in new (string, string?)[] { ("samples", "8"), ("tokens", "900"), ("deadline", "1.5s"), ("confidence", null), ("checks", "3"), ("rounds", "1"), ("wave", "2") })
            Assert.True(BudgetGrammar.TrySet(ref set, key, value, Service, out var error), error);

        Assert.Equal(text, set);
        Assert.Equal(new Budget { MaxSamples = 8, MaxGeneratedTokens = 900, Deadline = TimeSpan.FromMilliseconds(1500), MaxVerifications = 3, MaxRefinementRounds = 1, WaveSize = 2 }, text);
    }

    [Fact]
    public void AutoChecks_ReadTheSameInTextAndSettings()
    {
        var text = BudgetGrammar.Parse("samples=8,checks=auto", Service);
        var set = Budget.Balanced with { MaxVerifications = 2 };
        Assert.True(BudgetGrammar.TrySet(ref set, "samples", "8", Service, out _));
        Assert.True(BudgetGrammar.TrySet(ref set, "checks", "auto", Service, out var error), error);

        Assert.Equal(text, set);
        Assert.Null(text.MaxVerifications);
        // Over the caps a count is refused; "auto" has no number to hold to them, and a bad word is refused naming auto.
        var bad = Budget.Balanced;
        Assert.False(BudgetGrammar.TrySet(ref bad, "checks", "some", Service, out error));
        Assert.Contains("or auto", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryValidate_NamesTheKeyOfAPresetOverTheCaps()
    {
        var small = new BudgetLimits { MaxSamples = 8 };
        Assert.False(BudgetGrammar.TryValidate(Budget.Thorough, small, out var key, out _));
        Assert.Equal("samples", key);
        Assert.True(BudgetGrammar.TryValidate(Budget.Thorough, BudgetLimits.Default, out key, out _));
        Assert.Null(key);
    }

    [Fact]
    public void BudgetParse_IsTheGrammarWithTheDefaultLimits()
    {
        Assert.Equal(BudgetGrammar.Parse("thorough,deadline=2s"), Budget.Parse("thorough,deadline=2s"));
        Assert.Throws<FormatException>(() => Budget.Parse("rounds=9"));
        Assert.Equal(8, Budget.Parse("rounds=8").MaxRefinementRounds);
    }
}
