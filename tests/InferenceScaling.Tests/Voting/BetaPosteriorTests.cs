using InferenceScaling.Voting;

namespace InferenceScaling.Tests.Voting;

public sealed class BetaPosteriorTests
{
    [Theory]
    [InlineData(0, 0, 0.5)]
    [InlineData(1, 0, 0.75)]
    [InlineData(2, 0, 7.0 / 8)]
    [InlineData(3, 0, 15.0 / 16)]
    [InlineData(4, 0, 31.0 / 32)]
    [InlineData(5, 1, 15.0 / 16)]
    [InlineData(6, 1, 247.0 / 256)]
    [InlineData(3, 2, 42.0 / 64)]
    [InlineData(2, 3, 22.0 / 64)]
    [InlineData(0, 1, 0.25)]
    [InlineData(7, 7, 0.5)]
    public void ProbabilityLeaderAhead_MatchesHandComputedValues(int a, int b, double expected) =>
        Assert.Equal(expected, BetaPosterior.ProbabilityLeaderAhead(a, b), 12);

    [Theory]
    [InlineData(7, 3)]
    [InlineData(10, 2)]
    [InlineData(0, 5)]
    [InlineData(12, 9)]
    public void ProbabilityLeaderAhead_AgreesWithNumericIntegrationOfTheBetaDensity(int a, int b)
    {
        // P(p > ½) for p ~ Beta(a+1, b+1), by Simpson's rule on a fixed grid (deterministic).
        static double Integrate(Func<double, double> f, double from, double to, int steps)
        {
            var h = (to - from) / steps;
            var sum = f(from) + f(to);
            for (var i = 1; i < steps; i++) sum += f(from + i * h) * (i % 2 == 1 ? 4 : 2);
            return sum * h / 3;
        }

        double Density(double x) => Math.Pow(x, a) * Math.Pow(1 - x, b);
        var expected = Integrate(Density, 0.5, 1, 20_000) / Integrate(Density, 0, 1, 40_000);
        Assert.Equal(expected, BetaPosterior.ProbabilityLeaderAhead(a, b), 9);
    }

    [Fact]
    public void ProbabilityLeaderAhead_StaysFiniteForLargeCounts()
    {
        Assert.Equal(0.5, BetaPosterior.ProbabilityLeaderAhead(2000, 2000), 9);
        var p = BetaPosterior.ProbabilityLeaderAhead(2000, 1900);
        Assert.InRange(p, 0.9, 1.0);
        Assert.Equal(1 - p, BetaPosterior.ProbabilityLeaderAhead(1900, 2000), 9);
    }

    [Fact]
    public void ProbabilityLeaderAhead_GrowsWithTheLead()
    {
        var previous = 0.0;
        for (var a = 0; a < 50; a++)
        {
            var p = BetaPosterior.ProbabilityLeaderAhead(a, 3);
            Assert.True(p > previous);
            previous = p;
        }
    }
}
