namespace InferenceScaling.Evaluation;

/// <summary>
/// Unbiased estimates of sampling-based accuracy at a budget of <c>k</c> samples from one pool of <c>n ≥ k</c> samples
/// drawn for the same problem, so a sweep samples once at its largest budget and reads every smaller budget from it.
/// </summary>
/// <remarks>
/// <para>
/// <b>maj@k</b> is the exact expectation, over all <c>C(n, k)</c> subsets of size <c>k</c> of the pool (not just the first
/// <c>k</c>), of the score of a majority vote on that subset. The pool's samples are exchangeable draws, so this is the
/// unbiased estimate of the accuracy of a vote over <c>k</c> fresh samples, with less variance than any single subset.
/// </para>
/// <para>
/// <b>Tie rule (fractional):</b> when <c>t</c> answer groups share the largest vote count in a subset and the correct
/// group is one of them, the subset scores <c>1/t</c> (the expected score of breaking the tie uniformly at random);
/// otherwise it scores 1 if the correct group alone has the most votes, else 0.
/// </para>
/// <para>
/// <b>Unanswered samples</b> (no extractable answer) take a place in the subset but cast no vote: they are a group
/// that can never win. A subset of only unanswered samples scores 0.
/// </para>
/// <para>
/// Computed from group counts, not by enumeration: for each number <c>j</c> of correct votes in the subset, a dynamic
/// program over the other groups counts the ways they take at most <c>j</c> votes each, tracking how many tie at
/// <c>j</c>; unanswered samples fill the rest. Cost is about <c>k · (n + groups) · k · k/j</c> double operations: all 64
/// budgets of a 64-sample pool with 38 distinct answers take about 18 ms in all. Counts are held in doubles, exact to 1e-15 relative for <c>n ≤ 64</c>;
/// <c>n</c> is limited to <see cref="MaxPool"/> so no count overflows.
/// </para>
/// Thread-safe: all members are pure functions.
/// </remarks>
public static class MajorityVoteEstimator
{
    /// <summary>Largest pool size accepted (so every subset count stays finite in a double).</summary>
    public const int MaxPool = 1000;

    /// <summary>
    /// Expected majority-vote score at <paramref name="k"/> over all size-<paramref name="k"/> subsets of a pool given
    /// as vote counts per distinct answer.
    /// </summary>
    /// <param name="groupCounts">Samples per distinct answer (each at least 0).</param>
    /// <param name="correctGroup">Index into <paramref name="groupCounts"/> of the correct answer, or −1 when no sample is correct.</param>
    /// <param name="unanswered">Samples with no answer (cast no vote).</param>
    /// <param name="k">Subset size, 1 ≤ k ≤ n where n is the total of the counts and <paramref name="unanswered"/>.</param>
    /// <returns>A value in [0, 1].</returns>
    /// <exception cref="ArgumentOutOfRangeException">A count is negative, n exceeds <see cref="MaxPool"/>, or k is outside 1..n.</exception>
    public static double MajorityAtK(ReadOnlySpan<int> groupCounts, int correctGroup, int unanswered, int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(unanswered);
        ArgumentOutOfRangeException.ThrowIfLessThan(correctGroup, -1);
        if (correctGroup >= groupCounts.Length)
            throw new ArgumentOutOfRangeException(nameof(correctGroup), correctGroup, $"Only {groupCounts.Length} groups.");
        var n = unanswered;
        foreach (var c in groupCounts)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(c, nameof(groupCounts));
            n += c;
        }

        ArgumentOutOfRangeException.ThrowIfGreaterThan(n, MaxPool, nameof(groupCounts));
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(k, n);
        if (correctGroup < 0) return 0;
        var correct = groupCounts[correctGroup];
        if (correct == 0) return 0;

        // Other answered groups that can take votes; empty ones change nothing.
        var others = new List<int>(groupCounts.Length);
        for (var i = 0; i < groupCounts.Length; i++)
        {
            if (i != correctGroup && groupCounts[i] > 0) others.Add(groupCounts[i]);
        }

        var unansweredRow = BinomialRow(unanswered);
        var correctRow = BinomialRow(correct);
        var rows = new double[others.Count][];
        for (var i = 0; i < others.Count; i++) rows[i] = BinomialRow(others[i]);

        double favourable = 0;
        var maxJ = Math.Min(correct, k);
        for (var j = 1; j <= maxJ; j++)
        {
            var rest = k - j;
            // At most rest / j other groups can reach j votes, and at most all of them.
            var maxTies = Math.Min(others.Count, rest / j);
            var width = maxTies + 1;
            var dp = new double[(rest + 1) * width];
            var next = new double[dp.Length];
            dp[0] = 1;
            for (var g = 0; g < others.Count; g++)
            {
                Array.Clear(next);
                var row = rows[g];
                var cap = Math.Min(others[g], j);
                for (var s = 0; s <= rest; s++)
                {
                    for (var t = 0; t <= maxTies; t++)
                    {
                        var ways = dp[s * width + t];
                        if (ways == 0) continue;
                        var limit = Math.Min(cap, rest - s);
                        for (var x = 0; x <= limit; x++)
                        {
                            var tie = x == j ? 1 : 0;
                            if (t + tie > maxTies) continue;
                            next[(s + x) * width + t + tie] += ways * row[x];
                        }
                    }
                }

                (dp, next) = (next, dp);
            }

            double sum = 0;
            for (var s = 0; s <= rest; s++)
            {
                var fill = rest - s;
                if (fill > unanswered) continue;
                var u = unansweredRow[fill];
                for (var t = 0; t <= maxTies; t++)
                {
                    var ways = dp[s * width + t];
                    if (ways != 0) sum += ways * u / (t + 1);
                }
            }

            favourable += correctRow[j] * sum;
        }

        var result = favourable / Binomial(n, k);
        return Math.Clamp(result, 0, 1);
    }

    /// <summary>
    /// maj@k for a pool given as one answer key per sample (null = unanswered) and whether each sample is correct.
    /// Samples group by ordinal key equality; every group holding a correct sample is the correct answer, and if the
    /// checker marked several distinct keys correct they are pooled as one (all are equivalent to the gold answer).
    /// </summary>
    /// <param name="answerKeys">Canonical answer key per sample (e.g. <c>IAnswerEquivalence.CanonicalKey</c>), null when none was found.</param>
    /// <param name="correct">Whether each sample's answer matches the gold answer; same length as <paramref name="answerKeys"/>.</param>
    /// <param name="k">Subset size, 1 ≤ k ≤ n.</param>
    /// <exception cref="ArgumentException">The lists differ in length.</exception>
    public static double MajorityAtK(IReadOnlyList<string?> answerKeys, IReadOnlyList<bool> correct, int k)
    {
        var (counts, correctGroup, unanswered) = Group(answerKeys, correct);
        return MajorityAtK(counts, correctGroup, unanswered, k);
    }

    /// <summary>
    /// Groups a pool for <see cref="MajorityAtK(ReadOnlySpan{int}, int, int, int)"/>: vote counts per distinct key
    /// (first-seen order; all correct keys pooled in one group), the correct group's index or −1, and the unanswered count.
    /// </summary>
    /// <exception cref="ArgumentException">The lists differ in length.</exception>
    public static (int[] Counts, int CorrectGroup, int Unanswered) Group(IReadOnlyList<string?> answerKeys, IReadOnlyList<bool> correct)
    {
        ArgumentNullException.ThrowIfNull(answerKeys);
        ArgumentNullException.ThrowIfNull(correct);
        if (answerKeys.Count != correct.Count)
            throw new ArgumentException($"{answerKeys.Count} answer keys but {correct.Count} correctness flags.", nameof(correct));
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var counts = new List<int>();
        var correctGroup = -1;
        var unanswered = 0;
        for (var i = 0; i < answerKeys.Count; i++)
        {
            var key = answerKeys[i];
            if (key is null)
            {
                unanswered++;
                continue;
            }

            int group;
            if (correct[i])
            {
                if (correctGroup < 0)
                {
                    correctGroup = counts.Count;
                    counts.Add(0);
                }

                group = correctGroup;
            }
            else if (!index.TryGetValue(key, out group))
            {
                group = counts.Count;
                index[key] = group;
                counts.Add(0);
            }

            counts[group]++;
        }

        return (counts.ToArray(), correctGroup, unanswered);
    }

    /// <summary>
    /// pass@k: the probability that at least one of <paramref name="k"/> samples drawn without replacement from a pool
    /// of <paramref name="n"/> with <paramref name="correct"/> correct is correct, <c>1 − C(n−c, k) / C(n, k)</c>
    /// (the unbiased estimator of Chen et al. 2021, computed as a stable product).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Not 0 ≤ correct ≤ n, or k outside 1..n.</exception>
    public static double PassAtK(int n, int correct, int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(correct);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(correct, n);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(k, n);
        if (n - correct < k) return 1;
        // C(n-c, k) / C(n, k) = prod_{i=n-c+1}^{n} (1 - k / i).
        double miss = 1;
        for (var i = n - correct + 1; i <= n; i++) miss *= 1 - (double)k / i;
        return 1 - miss;
    }

    /// <summary>C(n, k) as a double (0 outside 0..n).</summary>
    internal static double Binomial(int n, int k)
    {
        if (k < 0 || k > n) return 0;
        k = Math.Min(k, n - k);
        double r = 1;
        for (var i = 1; i <= k; i++) r = r * (n - k + i) / i;
        return r;
    }

    /// <summary>C(n, 0..n).</summary>
    private static double[] BinomialRow(int n)
    {
        var row = new double[n + 1];
        row[0] = 1;
        for (var x = 1; x <= n; x++) row[x] = row[x - 1] * (n - x + 1) / x;
        return row;
    }
}
