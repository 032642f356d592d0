using InferenceScaling.Evaluation;

namespace InferenceScaling.Tests.Evaluation;

public sealed class BootstrapIntervalTests
{
    [Fact]
    public void Mean_CoversTheTrueProportionAboutNinetyFivePercentOfTheTime()
    {
        const double p = 0.3;
        const int trials = 400;
        const int problems = 100;
        var data = new Random(12345);
        var covered = 0;
        for (var t = 0; t < trials; t++)
        {
            var scores = new double[problems];
            for (var i = 0; i < problems; i++) scores[i] = data.NextDouble() < p ? 1 : 0;
            if (BootstrapInterval.Mean(scores, resamples: 1000, seed: t).Contains(p)) covered++;
        }

        var coverage = covered / (double)trials;
        Assert.InRange(coverage, 0.90, 0.98);
    }

    [Fact]
    public void Wilson_CoversTheTrueProportionAboutNinetyFivePercentOfTheTime()
    {
        const double p = 0.15;
        const int trials = 2000;
        var data = new Random(777);
        var covered = 0;
        for (var t = 0; t < trials; t++)
        {
            var successes = 0;
            for (var i = 0; i < 60; i++) if (data.NextDouble() < p) successes++;
            if (BootstrapInterval.Wilson(successes, 60).Contains(p)) covered++;
        }

        Assert.InRange(covered / (double)trials, 0.92, 0.98);
    }

    [Fact]
    public void Mean_IsDeterministicForASeed()
    {
        double[] values = [1, 0, 0.5, 1, 1, 0, 0.25, 1];
        var a = BootstrapInterval.Mean(values, seed: 3);
        var b = BootstrapInterval.Mean(values, seed: 3);

        Assert.Equal(a, b);
        Assert.Equal(values.Average(), a.Estimate, 12);
        Assert.True(a.Lower <= a.Estimate && a.Estimate <= a.Upper);
    }

    [Fact]
    public void Wilson_MatchesAKnownValue()
    {
        // 8 of 10 at 95%: Wilson interval [0.4902, 0.9433].
        var ci = BootstrapInterval.Wilson(8, 10);

        Assert.Equal(0.4902, ci.Lower, 3);
        Assert.Equal(0.9433, ci.Upper, 3);
    }

    [Fact]
    public void NormalQuantile_GivesTheUsualCriticalValue()
    {
        Assert.Equal(1.959964, BootstrapInterval.NormalQuantile(0.975), 5);
        Assert.Equal(-1.644854, BootstrapInterval.NormalQuantile(0.05), 5);
    }
}
