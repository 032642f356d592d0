using System.Globalization;
using System.Text;

namespace InferenceScaling.Evaluation;

/// <summary>
/// Per strategy × budget: accuracy with a 95% bootstrap confidence interval over problems, mean generated tokens,
/// mean wall time and mean samples used; written as <c>summary.csv</c>.
/// </summary>
/// <remarks>
/// The result depends only on the set of finished problems, not on the order they finished in: records are sorted by
/// problem id before the (seeded) bootstrap, so a resumed sweep summarizes exactly as an uninterrupted one. Immutable.
/// </remarks>
public sealed class SweepSummary
{
    /// <summary>The conventional file name inside a sweep's output folder.</summary>
    public const string CsvFileName = "summary.csv";

    private SweepSummary(IReadOnlyList<SweepSummaryRow> rows, IReadOnlyList<SweepSummaryRow> frontier)
    {
        Rows = rows;
        Frontier = frontier;
    }

    /// <summary>The rows: strategies in order of first appearance (by problem id), budgets ascending.</summary>
    public IReadOnlyList<SweepSummaryRow> Rows { get; }

    /// <summary>The Pareto-optimal rows (accuracy vs mean generated tokens), by tokens.</summary>
    public IReadOnlyList<SweepSummaryRow> Frontier { get; }

    /// <summary>Summarizes finished problems.</summary>
    /// <param name="records">Finished problems; if an id repeats, its first record counts.</param>
    /// <param name="seed">Bootstrap seed; default 0 (the same for every row, so rows are compared on the same resamples).</param>
    /// <param name="resamples">Bootstrap resamples; default <see cref="BootstrapInterval.DefaultResamples"/>.</param>
    /// <param name="level">Confidence level; default 0.95.</param>
    public static SweepSummary Compute(IEnumerable<SweepProblemRecord> records, int seed = 0, int resamples = BootstrapInterval.DefaultResamples, double level = 0.95)
    {
        ArgumentNullException.ThrowIfNull(records);
        var unique = new Dictionary<string, SweepProblemRecord>(StringComparer.Ordinal);
        foreach (var r in records) unique.TryAdd(r.ProblemId, r);
        var sorted = unique.Values.ToList();
        sorted.Sort((a, b) => string.CompareOrdinal(a.ProblemId, b.ProblemId));

        var strategies = new List<string>();
        var cells = new Dictionary<(string Strategy, int Budget), List<SweepOutcome>>();
        foreach (var record in sorted)
        {
            foreach (var o in record.Outcomes)
            {
                if (!strategies.Contains(o.Strategy)) strategies.Add(o.Strategy);
                if (!cells.TryGetValue((o.Strategy, o.Budget), out var list)) cells[(o.Strategy, o.Budget)] = list = [];
                list.Add(o);
            }
        }

        var rows = new List<SweepSummaryRow>();
        foreach (var strategy in strategies)
        {
            var budgets = cells.Keys.Where(c => c.Strategy == strategy).Select(c => c.Budget).Order().ToList();
            foreach (var budget in budgets)
            {
                var outcomes = cells[(strategy, budget)];
                var scores = new double[outcomes.Count];
                double tokens = 0, wall = 0, samples = 0;
                for (var i = 0; i < outcomes.Count; i++)
                {
                    scores[i] = outcomes[i].Score;
                    tokens += outcomes[i].GeneratedTokens;
                    wall += outcomes[i].WallMs;
                    samples += outcomes[i].Samples;
                }

                var ci = BootstrapInterval.Mean(scores, level, resamples, seed);
                var n = outcomes.Count;
                rows.Add(new SweepSummaryRow(strategy, budget, n, ci, tokens / n, wall / n, samples / n));
            }
        }

        return new SweepSummary(rows, ParetoFrontier.Compute(rows));
    }

    /// <summary>
    /// The CSV text: header <c>strategy,budget,problems,accuracy,ci_low,ci_high,mean_generated_tokens,mean_wall_ms,mean_samples,pareto</c>,
    /// invariant culture, six decimals.
    /// </summary>
    public string ToCsv()
    {
        var text = new StringBuilder("strategy,budget,problems,accuracy,ci_low,ci_high,mean_generated_tokens,mean_wall_ms,mean_samples,pareto\n");
        foreach (var r in Rows)
        {
            var pareto = Frontier.Contains(r);
            text.Append(CultureInfo.InvariantCulture,
                $"{Escape(r.Strategy)},{r.Budget},{r.Problems},{r.Accuracy.Estimate:F6},{r.Accuracy.Lower:F6},{r.Accuracy.Upper:F6},{r.MeanGeneratedTokens:F3},{r.MeanWallMs:F3},{r.MeanSamples:F3},{(pareto ? "1" : "0")}\n");
        }

        return text.ToString();
    }

    /// <summary>Writes <see cref="ToCsv"/> to <paramref name="path"/> (overwritten; folder created when missing).</summary>
    public void WriteCsv(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, ToCsv(), new UTF8Encoding(false));
    }

    private static string Escape(string value) =>
        value.AsSpan().IndexOfAny(",\"\n") < 0 ? value : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
