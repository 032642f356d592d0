namespace InferenceScaling.Evaluation;

/// <summary>
/// Confidence intervals for accuracy over problems: a seeded percentile bootstrap for the mean of per-problem scores
/// (which may be fractional, as maj@k estimates are), and the Wilson score interval for a plain proportion.
/// </summary>
/// <remarks>Thread-safe: all members are pure functions of their arguments (the bootstrap's random stream is made from the seed).</remarks>
public static class BootstrapInterval
{
    /// <summary>Default number of bootstrap resamples.</summary>
    public const int DefaultResamples = 2000;

    /// <summary>
    /// Percentile-bootstrap interval of the mean of <paramref name="values"/>: resample the values with replacement
    /// <paramref name="resamples"/> times, and take the (1−level)/2 and (1+level)/2 quantiles of the resampled means.
    /// The same inputs and seed always give the same interval.
    /// </summary>
    /// <param name="values">One score per problem (at least one).</param>
    /// <param name="level">Nominal coverage in (0, 1); default 0.95.</param>
    /// <param name="resamples">Number of resamples (at least 100); default <see cref="DefaultResamples"/>.</param>
    /// <param name="seed">Seed of the resampling stream; default 0.</param>
    /// <exception cref="ArgumentException"><paramref name="values"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="level"/> or <paramref name="resamples"/> out of range.</exception>
    public static ConfidenceInterval Mean(IReadOnlyList<double> values, double level = 0.95, int resamples = DefaultResamples, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0) throw new ArgumentException("Cannot bootstrap an empty list.", nameof(values));
        CheckLevel(level);
        ArgumentOutOfRangeException.ThrowIfLessThan(resamples, 100);
        var n = values.Count;
        var data = new double[n];
        double total = 0;
        for (var i = 0; i < n; i++)
        {
            data[i] = values[i];
            total += data[i];
        }

        var means = new double[resamples];
        // Random(int) is the legacy seeded algorithm, stable across .NET versions, so intervals are reproducible.
        var random = new Random(seed);
        for (var r = 0; r < resamples; r++)
        {
            double sum = 0;
            for (var i = 0; i < n; i++) sum += data[random.Next(n)];
            means[r] = sum / n;
        }

        Array.Sort(means);
        var alpha = (1 - level) / 2;
        return new ConfidenceInterval(total / n, Quantile(means, alpha), Quantile(means, 1 - alpha), level);
    }

    /// <summary>
    /// Wilson score interval for <paramref name="successes"/> out of <paramref name="trials"/>; well behaved near 0 and 1
    /// and for small samples, unlike the normal (Wald) interval.
    /// </summary>
    /// <param name="successes">0 ≤ successes ≤ trials.</param>
    /// <param name="trials">At least 1.</param>
    /// <param name="level">Nominal coverage in (0, 1); default 0.95.</param>
    public static ConfidenceInterval Wilson(int successes, int trials, double level = 0.95)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(trials, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(successes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(successes, trials);
        CheckLevel(level);
        var z = NormalQuantile(1 - (1 - level) / 2);
        double n = trials;
        var p = successes / n;
        var z2 = z * z;
        var denominator = 1 + z2 / n;
        var centre = (p + z2 / (2 * n)) / denominator;
        var half = z * Math.Sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator;
        return new ConfidenceInterval(p, Math.Max(0, centre - half), Math.Min(1, centre + half), level);
    }

    /// <summary>
    /// Inverse of the standard normal CDF (Acklam's rational approximation, relative error below 1.2e-9),
    /// e.g. 1.959964 at 0.975.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="p"/> is not in (0, 1).</exception>
    public static double NormalQuantile(double p)
    {
        if (!(p > 0 && p < 1)) throw new ArgumentOutOfRangeException(nameof(p), p, "Must be in (0, 1).");
        ReadOnlySpan<double> a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00];
        ReadOnlySpan<double> b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01];
        ReadOnlySpan<double> c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00];
        ReadOnlySpan<double> d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00];
        const double low = 0.02425;
        if (p < low)
        {
            var q = Math.Sqrt(-2 * Math.Log(p));
            return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        }

        if (p > 1 - low) return -NormalQuantile(1 - p);
        var r = p - 0.5;
        var s = r * r;
        return (((((a[0] * s + a[1]) * s + a[2]) * s + a[3]) * s + a[4]) * s + a[5]) * r / (((((b[0] * s + b[1]) * s + b[2]) * s + b[3]) * s + b[4]) * s + 1);
    }

    /// <summary>Linearly interpolated quantile of sorted values (type 7, as R and NumPy default).</summary>
    private static double Quantile(double[] sorted, double q)
    {
        var position = q * (sorted.Length - 1);
        var lower = (int)Math.Floor(position);
        var upper = Math.Min(lower + 1, sorted.Length - 1);
        return sorted[lower] + (position - lower) * (sorted[upper] - sorted[lower]);
    }

    private static void CheckLevel(double level)
    {
        if (!(level > 0 && level < 1)) throw new ArgumentOutOfRangeException(nameof(level), level, "Must be in (0, 1).");
    }
}
