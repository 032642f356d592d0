namespace InferenceScaling.Evaluation;

/// <summary>The accuracy-versus-cost Pareto frontier of a sweep's rows.</summary>
/// <remarks>Thread-safe: pure functions.</remarks>
public static class ParetoFrontier
{
    /// <summary>
    /// The rows no other row dominates, ordered by mean generated tokens: a row is dominated when another costs no
    /// more tokens and is at least as accurate, and is strictly better in one of the two. Rows are compared across all
    /// strategies.
    /// </summary>
    public static IReadOnlyList<SweepSummaryRow> Compute(IReadOnlyList<SweepSummaryRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var frontier = new List<SweepSummaryRow>();
        foreach (var row in rows)
        {
            var dominated = false;
            foreach (var other in rows)
            {
                if (ReferenceEquals(other, row)) continue;
                var noWorse = other.MeanGeneratedTokens <= row.MeanGeneratedTokens && other.Accuracy.Estimate >= row.Accuracy.Estimate;
                var better = other.MeanGeneratedTokens < row.MeanGeneratedTokens || other.Accuracy.Estimate > row.Accuracy.Estimate;
                if (noWorse && better)
                {
                    dominated = true;
                    break;
                }
            }

            if (!dominated) frontier.Add(row);
        }

        frontier.Sort((a, b) => a.MeanGeneratedTokens.CompareTo(b.MeanGeneratedTokens));
        return frontier;
    }
}
