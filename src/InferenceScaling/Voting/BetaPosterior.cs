namespace InferenceScaling.Voting;

/// <summary>
/// The Adaptive-Consistency stopping statistic (Aggarwal et al., 2023): with <c>a</c> votes for the leader and
/// <c>b</c> for the runner-up, and a uniform prior, the leader's share of the two, <c>p</c>, has posterior
/// Beta(a + 1, b + 1); the probability that the leader stays ahead is P(p &gt; ½).
/// </summary>
internal static class BetaPosterior
{
    /// <summary>
    /// P(p &gt; ½) for p ~ Beta(a + 1, b + 1), computed exactly: for integer parameters it equals
    /// P(Binomial(a + b + 1, ½) ≤ a) = Σₖ₌₀..ₐ C(n, k) / 2ⁿ with n = a + b + 1, summed in log space so it does not
    /// underflow for large counts. Examples: (0, 0) → ½; (1, 0) → ¾; (4, 0) → 31/32; (5, 1) → 15/16; (a, a) → ½.
    /// </summary>
    /// <param name="leaderVotes">Votes for the leader, a ≥ 0.</param>
    /// <param name="runnerUpVotes">Votes for the runner-up, b ≥ 0 (0 when there is none).</param>
    /// <returns>The probability, in [0, 1] (it rounds to 1 for very lopsided counts).</returns>
    public static double ProbabilityLeaderAhead(int leaderVotes, int runnerUpVotes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(leaderVotes);
        ArgumentOutOfRangeException.ThrowIfNegative(runnerUpVotes);
        var a = leaderVotes;
        var n = leaderVotes + runnerUpVotes + 1;

        // The sum is the lower tail of a symmetric binomial; summing the smaller tail is more accurate.
        var lowerTail = a < n - 1 - a;
        var last = lowerTail ? a : n - a - 1; // P(X ≥ a+1) = P(X ≤ n−a−1) by symmetry.
        var logTerm = -n * Math.Log(2); // log C(n, 0) / 2ⁿ
        var max = logTerm;
        Span<double> logs = last + 1 <= 256 ? stackalloc double[last + 1] : new double[last + 1];
        logs[0] = logTerm;
        for (var k = 1; k <= last; k++)
        {
            logTerm += Math.Log(n - k + 1) - Math.Log(k);
            logs[k] = logTerm;
            if (logTerm > max) max = logTerm;
        }

        var sum = 0.0;
        for (var k = 0; k <= last; k++) sum += Math.Exp(logs[k] - max);
        var tail = Math.Min(1, Math.Exp(max + Math.Log(sum)));
        return lowerTail ? tail : 1 - tail;
    }
}
