using InferenceScaling.Evaluation;

namespace InferenceScaling.Tests.Evaluation;

public sealed class MajorityVoteEstimatorTests
{
    /// <summary>Brute force: average the vote score over every size-k subset of the pool (group −1 = unanswered).</summary>
    private static double BruteForceMajority(int[] pool, int correctGroup, int groups, int k)
    {
        var n = pool.Length;
        double total = 0;
        long subsets = 0;
        var votes = new int[groups];
        for (var mask = 0; mask < 1 << n; mask++)
        {
            if (System.Numerics.BitOperations.PopCount((uint)mask) != k) continue;
            subsets++;
            Array.Clear(votes);
            for (var i = 0; i < n; i++)
            {
                if ((mask & (1 << i)) != 0 && pool[i] >= 0) votes[pool[i]]++;
            }

            var max = votes.Max();
            if (max == 0 || correctGroup < 0 || votes[correctGroup] != max) continue;
            total += 1.0 / votes.Count(v => v == max);
        }

        return total / subsets;
    }

    private static double BruteForcePass(int n, int c, int k)
    {
        double hit = 0;
        long subsets = 0;
        for (var mask = 0; mask < 1 << n; mask++)
        {
            if (System.Numerics.BitOperations.PopCount((uint)mask) != k) continue;
            subsets++;
            // The first c items are the correct ones.
            if ((mask & ((1 << c) - 1)) != 0) hit++;
        }

        return hit / subsets;
    }

    [Fact]
    public void MajorityAtK_MatchesBruteForceOnRandomPoolsIncludingTies()
    {
        var random = new Random(20240611);
        var cases = 0;
        for (var trial = 0; trial < 400; trial++)
        {
            var n = random.Next(1, 15);
            var groups = random.Next(1, Math.Min(n, 6) + 1);
            var unansweredShare = random.Next(3) == 0 ? 0.0 : random.NextDouble() * 0.4;
            var pool = new int[n];
            for (var i = 0; i < n; i++) pool[i] = random.NextDouble() < unansweredShare ? -1 : random.Next(groups);
            var counts = new int[groups];
            var unanswered = 0;
            foreach (var g in pool)
            {
                if (g < 0) unanswered++;
                else counts[g]++;
            }

            var correct = random.Next(-1, groups);
            for (var k = 1; k <= n; k++)
            {
                var expected = BruteForceMajority(pool, correct, groups, k);
                var actual = MajorityVoteEstimator.MajorityAtK(counts, correct, unanswered, k);
                Assert.True(Math.Abs(expected - actual) < 1e-12, $"pool [{string.Join(',', pool)}], correct {correct}, k {k}: brute {expected}, estimator {actual}");
                cases++;
            }
        }

        Assert.True(cases > 1500);
    }

    [Fact]
    public void MajorityAtK_SplitsTiesFractionally()
    {
        // Two samples, one correct and one wrong: at k=2 the vote is a two-way tie, worth 1/2.
        Assert.Equal(0.5, MajorityVoteEstimator.MajorityAtK([1, 1], 0, 0, 2), 12);
        // Three distinct answers, k=3: a three-way tie, worth 1/3.
        Assert.Equal(1.0 / 3, MajorityVoteEstimator.MajorityAtK([1, 1, 1], 2, 0, 3), 12);
    }

    [Fact]
    public void MajorityAtK_UnansweredSamplesNeverWin()
    {
        // Correct answer once, four unanswered: at k=5 the lone vote wins.
        Assert.Equal(1.0, MajorityVoteEstimator.MajorityAtK([1], 0, 4, 5), 12);
        // At k=1 only the one correct sample scores: 1/5.
        Assert.Equal(0.2, MajorityVoteEstimator.MajorityAtK([1], 0, 4, 1), 12);
        // No answered sample correct: 0.
        Assert.Equal(0.0, MajorityVoteEstimator.MajorityAtK([3], -1, 2, 3), 12);
    }

    [Fact]
    public void MajorityAtK_AtKEqualsOneIsTheFractionCorrect()
    {
        Assert.Equal(7.0 / 20, MajorityVoteEstimator.MajorityAtK([7, 5, 4], 0, 4, 1), 12);
    }

    [Fact]
    public void MajorityAtK_IsFastAndBoundedForAPoolOf64()
    {
        var counts = new int[] { 20, 18, 6, 5, 4, 3, 2, 2, 1, 1, 1, 1 };
        var previous = -1.0;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        for (var k = 1; k <= 64; k++)
        {
            var value = MajorityVoteEstimator.MajorityAtK(counts, 0, 0, k);
            Assert.InRange(value, 0, 1);
            if (k % 2 == 1) Assert.True(value >= previous - 1e-12, $"odd-k maj@k should not fall when the plurality is correct (k={k})");
            if (k % 2 == 1) previous = value;
        }

        // One correct group of 64 wins every subset.
        Assert.Equal(1.0, MajorityVoteEstimator.MajorityAtK([64], 0, 0, 32), 12);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void MajorityAtK_FromKeysPoolsEveryCorrectKey()
    {
        // "0.5" and "1/2" are both marked correct: pooled they outvote "3" (2 vs 1) at k=3.
        string?[] keys = ["0.5", "1/2", "3", null];
        bool[] correct = [true, true, false, false];
        var (counts, correctGroup, unanswered) = MajorityVoteEstimator.Group(keys, correct);

        Assert.Equal([2, 1], counts);
        Assert.Equal(0, correctGroup);
        Assert.Equal(1, unanswered);
        Assert.Equal(MajorityVoteEstimator.MajorityAtK(counts, 0, 1, 3), MajorityVoteEstimator.MajorityAtK(keys, correct, 3), 12);
    }

    [Fact]
    public void PassAtK_MatchesBruteForce()
    {
        for (var n = 1; n <= 12; n++)
        {
            for (var c = 0; c <= n; c++)
            {
                for (var k = 1; k <= n; k++)
                {
                    Assert.Equal(BruteForcePass(n, c, k), MajorityVoteEstimator.PassAtK(n, c, k), 12);
                }
            }
        }
    }

    [Fact]
    public void MajorityAtK_RejectsBudgetsLargerThanThePool()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => MajorityVoteEstimator.MajorityAtK([2, 1], 0, 0, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => MajorityVoteEstimator.MajorityAtK([2, 1], 0, 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => MajorityVoteEstimator.MajorityAtK([2, 1], 2, 0, 1));
    }
}
