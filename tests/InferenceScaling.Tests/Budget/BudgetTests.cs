using InferenceScaling.Prompts;

namespace InferenceScaling.Tests.Budgets;


public sealed class BudgetTests
{
    [Fact]
    public void Presets_SetTheDocumentedFields()
    {
        Assert.Equal(new Budget { MaxSamples = 4, WaveSize = 4 }, Budget.Fast);
        Assert.Equal(new Budget { MaxSamples = 16, WaveSize = 4, TargetConfidence = 0.95 }, Budget.Balanced);
        Assert.Equal(
            new Budget { MaxSamples = 32, WaveSize = 8, TargetConfidence = 0.99, MaxVerifications = null, MaxRefinementRounds = 2 },
            Budget.Thorough);
        // Fast and balanced check nothing; thorough leaves the count to the checking profile.
        Assert.Equal((0, 0, null), (Budget.Fast.MaxVerifications, Budget.Balanced.MaxVerifications, Budget.Thorough.MaxVerifications));
        Assert.False(Budget.Fast.IsAdaptive);
        Assert.True(Budget.Balanced.IsAdaptive);
    }

    [Fact]
    public void FromKnob_HitsTheDocumentedPoints()
    {
        Assert.Equal(1, Budget.FromKnob(0).MaxSamples);
        Assert.Equal(0.5, Budget.FromKnob(0).TargetConfidence!.Value, 12);
        Assert.Equal(4, Budget.FromKnob(1.0 / 3).MaxSamples);
        Assert.Equal(8, Budget.FromKnob(0.5).MaxSamples);
        var twoThirds = Budget.FromKnob(2.0 / 3);
        Assert.Equal(16, twoThirds.MaxSamples);
        Assert.Equal(0.95, twoThirds.TargetConfidence!.Value, 12);
        Assert.Equal(4, twoThirds.WaveSize);
        Assert.Equal(0, twoThirds.MaxRefinementRounds);
        var one = Budget.FromKnob(1);
        Assert.Equal(64, one.MaxSamples);
        Assert.Equal(8, one.WaveSize);
        Assert.Null(one.MaxVerifications);
        Assert.Equal(0, Budget.FromKnob(0.3).MaxVerifications); // 3 samples: no checks, as floor(3 / 4)
        Assert.Equal(2, one.MaxRefinementRounds);
        Assert.Null(one.MaxGeneratedTokens);
        Assert.Null(one.Deadline);
    }

    [Fact]
    public void FromKnob_IsMonotoneInEveryField()
    {
        var previous = Budget.FromKnob(0);
        for (var i = 1; i <= 1000; i++)
        {
            var b = Budget.FromKnob(i / 1000.0);
            Assert.True(b.MaxSamples >= previous.MaxSamples, $"samples at {i}");
            Assert.True(b.TargetConfidence >= previous.TargetConfidence, $"confidence at {i}");
            Assert.True(b.WaveSize >= previous.WaveSize, $"wave at {i}");
            // The checks each profile resolves (written critiques' quarter, cheap checks' every sample) never fall.
            foreach (var profile in new[] { CheckingProfile.Default, new CheckingProfile { ChecksPerSample = 1 } })
                Assert.True(b.VerificationsUnder(profile) >= previous.VerificationsUnder(profile), $"verifications at {i}");
            Assert.True(b.MaxRefinementRounds >= previous.MaxRefinementRounds, $"rounds at {i}");
            Assert.Equal(previous.MaxGeneratedTokens, b.MaxGeneratedTokens);
            Assert.Equal(previous.Deadline, b.Deadline);
            b.Validate();
            previous = b;
        }
    }

    [Theory]
    [InlineData(-0.01)]
    [InlineData(1.01)]
    [InlineData(double.NaN)]
    public void FromKnob_RejectsValuesOutsideZeroToOne(double knob) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Budget.FromKnob(knob));

    [Theory]
    [InlineData("fast")]
    [InlineData("Balanced")]
    [InlineData(" THOROUGH ")]
    public void Parse_ReadsPresetNames(string text)
    {
        var expected = text.Trim().ToLowerInvariant() switch
        {
            "fast" => Budget.Fast,
            "balanced" => Budget.Balanced,
            _ => Budget.Thorough,
        };
        Assert.Equal(expected, Budget.Parse(text));
    }

    [Fact]
    public void Parse_ReadsAKnob() => Assert.Equal(Budget.FromKnob(0.25), Budget.Parse("0.25"));

    [Fact]
    public void Parse_ReadsSettings()
    {
        var b = Budget.Parse("samples=16,tokens=4000,deadline=5s,confidence=0.9,rounds=1");
        Assert.Equal(16, b.MaxSamples);
        Assert.Equal(4000, b.MaxGeneratedTokens);
        Assert.Equal(TimeSpan.FromSeconds(5), b.Deadline);
        Assert.Equal(0.9, b.TargetConfidence);
        Assert.Equal(1, b.MaxRefinementRounds);
        Assert.Equal(Budget.Balanced.WaveSize, b.WaveSize); // unset keys come from balanced
    }

    [Fact]
    public void Parse_AppliesSettingsOverAPreset()
    {
        var b = Budget.Parse("thorough, deadline=250ms, confidence=none, wave=2, verifications=0");
        Assert.Equal(Budget.Thorough with { Deadline = TimeSpan.FromMilliseconds(250), TargetConfidence = null, WaveSize = 2, MaxVerifications = 0 }, b);
    }

    [Theory]
    [InlineData("deadline=2m", 120_000)]
    [InlineData("deadline=1.5s", 1_500)]
    [InlineData("deadline=00:00:03", 3_000)]
    [InlineData("deadline=1h", 3_600_000)]
    public void Parse_ReadsDurations(string text, double milliseconds) =>
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), Budget.Parse(text).Deadline);

    [Fact]
    public void FromKnob_UnderWrittenCritiques_ChecksAQuarterOfTheSamplesAsBefore()
    {
        // The knob left its checks to the profile; under written critiques' profile they are floor(samples / 4) as before.
        for (var i = 0; i <= 100; i++)
        {
            var b = Budget.FromKnob(i / 100.0);
            Assert.Equal(b.MaxSamples / 4, b.VerificationsUnder(CheckingProfile.Default));
        }
    }

    [Theory]
    [InlineData(32, 1.0, 32)]
    [InlineData(32, 0.25, 8)]
    [InlineData(2, 0.25, 1)]
    public void AutoVerifications_AreTheProfilesChecksForTheSampleBudget(int samples, double checksPerSample, int expected) =>
        Assert.Equal(expected, new Budget { MaxSamples = samples, MaxVerifications = null }.VerificationsUnder(new CheckingProfile { ChecksPerSample = checksPerSample }));

    [Fact]
    public void ExplicitVerifications_AreHonouredWhateverTheProfile()
    {
        var cheap = new CheckingProfile { ChecksPerSample = 1 };
        Assert.Equal((8, 0), (new Budget { MaxSamples = 32, MaxVerifications = 8 }.VerificationsUnder(cheap), new Budget { MaxSamples = 32 }.VerificationsUnder(cheap)));
    }

    [Fact]
    public void Parse_ReadsAutoVerifications()
    {
        Assert.Null(Budget.Parse("samples=8,verifications=auto").MaxVerifications);
        Assert.Null(Budget.Parse("fast,checks=AUTO").MaxVerifications);
        Assert.Equal(8, Budget.Parse("thorough,verifications=8").MaxVerifications);
        Assert.EndsWith("verifications=auto,wave=8", Budget.Thorough.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ToString_RoundTripsThroughParse()
    {
        Budget[] budgets =
        [
            Budget.Fast, Budget.Balanced, Budget.Thorough, Budget.FromKnob(0.37),
            new Budget { MaxSamples = 7, MaxGeneratedTokens = 999, Deadline = TimeSpan.FromMilliseconds(1234.5), TargetConfidence = 0.875, WaveSize = 3 },
            new Budget { MaxSamples = 7, MaxVerifications = null }, new Budget { MaxSamples = 7, MaxVerifications = 5 },
        ];
        foreach (var b in budgets) Assert.Equal(b, Budget.Parse(b.ToString()));
    }

    [Theory]
    [InlineData("samples=abc", "samples=abc")]
    [InlineData("samples=0", "samples=0")]
    [InlineData("fast,foo=1", "foo")]
    [InlineData("deadline=5x", "deadline=5x")]
    [InlineData("confidence=1.5", "confidence=1.5")]
    [InlineData("tokens=-3", "tokens=-3")]
    [InlineData("2", "'2'")]
    [InlineData("fastest", "fastest")]
    [InlineData("samples=4,fast", "fast")]
    [InlineData("", "empty")]
    public void Parse_ErrorNamesTheBadPart(string text, string named)
    {
        var ex = Assert.Throws<FormatException>(() => Budget.Parse(text));
        Assert.Contains(named, ex.Message, StringComparison.Ordinal);
        Assert.False(Budget.TryParse(text, out _));
    }

    [Fact]
    public void Validate_RejectsTheDefaultBudgetNamingMaxSamples()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => default(Budget).Validate());
        Assert.Equal("MaxSamples", ex.ParamName);
    }

    [Fact]
    public void EffectiveWaveSize_IsAllSamplesWithoutEarlyStopAndFourWithIt()
    {
        Assert.Equal(10, new Budget { MaxSamples = 10 }.EffectiveWaveSize);
        Assert.Equal(4, new Budget { MaxSamples = 10, TargetConfidence = 0.9 }.EffectiveWaveSize);
        Assert.Equal(3, new Budget { MaxSamples = 3, WaveSize = 8 }.EffectiveWaveSize);
    }
}
