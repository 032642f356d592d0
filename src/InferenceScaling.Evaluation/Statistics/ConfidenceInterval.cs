namespace InferenceScaling.Evaluation;

/// <summary>A point estimate with the bounds of its confidence interval.</summary>
/// <param name="Estimate">The point estimate (e.g. the mean accuracy).</param>
/// <param name="Lower">Lower bound.</param>
/// <param name="Upper">Upper bound.</param>
/// <param name="Level">Nominal coverage, e.g. 0.95.</param>
public readonly record struct ConfidenceInterval(double Estimate, double Lower, double Upper, double Level)
{
    /// <summary>True when <paramref name="value"/> lies within [<see cref="Lower"/>, <see cref="Upper"/>].</summary>
    public bool Contains(double value) => value >= Lower && value <= Upper;
}
