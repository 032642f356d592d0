using System.Globalization;
using InferenceScaling.Evaluation;
using ScottPlot;

namespace InferenceScaling.Cli.Charts;

/// <summary>
/// Draws a sweep's <c>accuracy-vs-tokens.png</c> and <c>.svg</c>: one line per strategy (x = mean generated tokens on a
/// log2 axis, y = accuracy), vertical error bars for the 95% confidence interval, and the Pareto frontier as a dashed
/// line through ringed points.
/// </summary>
/// <remarks>
/// Rendering goes through SkiaSharp; on a machine where its native library or fonts are missing the render throws,
/// so callers write the CSV first and treat a chart failure as a warning (see <see cref="TryWrite"/>).
/// </remarks>
internal static class AccuracyChartWriter
{
    /// <summary>Base file name (without extension) inside a sweep's output folder.</summary>
    public const string FileStem = "accuracy-vs-tokens";

    /// <summary>Chart size in pixels.</summary>
    private const int Width = 900, Height = 600;

    /// <summary>
    /// Writes the PNG and SVG into <paramref name="directory"/>; returns the files written, or an error message
    /// (never throws for a rendering failure).
    /// </summary>
    public static (IReadOnlyList<string> Files, string? Error) TryWrite(SweepSummary summary, string directory, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(summary);
        ArgumentNullException.ThrowIfNull(directory);
        var files = new List<string>();
        try
        {
            var plot = Build(summary, title);
            Directory.CreateDirectory(directory);
            var png = Path.Combine(directory, FileStem + ".png");
            var svg = Path.Combine(directory, FileStem + ".svg");
            plot.SaveSvg(svg, Width, Height);
            files.Add(svg);
            plot.SavePng(png, Width, Height);
            files.Add(png);
            return (files, null);
        }
        catch (Exception ex) when (ex is TypeInitializationException or DllNotFoundException or EntryPointNotFoundException or InvalidOperationException or IOException or BadImageFormatException)
        {
            return (files, $"chart not written ({ex.GetType().Name}: {ex.GetBaseException().Message})");
        }
    }

    /// <summary>Builds the plot (no I/O).</summary>
    public static Plot Build(SweepSummary summary, string? title)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var strategies = summary.Rows.Select(r => r.Strategy).Distinct().ToList();
        var minX = double.MaxValue;
        var maxX = double.MinValue;
        for (var s = 0; s < strategies.Count; s++)
        {
            var rows = summary.Rows.Where(r => r.Strategy == strategies[s]).OrderBy(r => r.MeanGeneratedTokens).ToList();
            var xs = rows.Select(r => X(r.MeanGeneratedTokens)).ToArray();
            var ys = rows.Select(r => r.Accuracy.Estimate).ToArray();
            var color = palette.GetColor(s);
            var errors = plot.Add.ErrorBar(xs, ys, rows.Select(r => r.Accuracy.Estimate - r.Accuracy.Lower).ToArray());
            errors.YErrorPositive = rows.Select(r => r.Accuracy.Upper - r.Accuracy.Estimate).ToArray();
            errors.Color = color;
            var line = plot.Add.Scatter(xs, ys, color);
            line.LegendText = strategies[s];
            line.LineWidth = 2;
            line.MarkerSize = 7;
            foreach (var x in xs)
            {
                minX = Math.Min(minX, x);
                maxX = Math.Max(maxX, x);
            }
        }

        if (summary.Frontier.Count > 0)
        {
            var fx = summary.Frontier.Select(r => X(r.MeanGeneratedTokens)).ToArray();
            var fy = summary.Frontier.Select(r => r.Accuracy.Estimate).ToArray();
            var frontier = plot.Add.Scatter(fx, fy, Colors.Black);
            frontier.LegendText = "Pareto frontier";
            frontier.LinePattern = LinePattern.Dashed;
            frontier.LineWidth = 1;
            frontier.MarkerShape = MarkerShape.OpenCircle;
            frontier.MarkerSize = 15;
        }

        if (minX <= maxX) SetLog2Ticks(plot, minX, maxX);
        plot.Axes.SetLimitsY(0, 1.02);
        plot.Title(title ?? "Accuracy vs generated tokens (95% CI)");
        plot.XLabel("mean generated tokens per problem (log2 scale)");
        plot.YLabel("accuracy");
        plot.ShowLegend(Alignment.LowerRight);
        return plot;
    }

    /// <summary>Tokens to the plotted x (log2; at least 1 token so empty rows stay finite).</summary>
    private static double X(double tokens) => Math.Log2(Math.Max(1, tokens));

    /// <summary>Ticks at powers of two, labelled in tokens, because ScottPlot plots the log-transformed values.</summary>
    private static void SetLog2Ticks(Plot plot, double minX, double maxX)
    {
        var positions = new List<double>();
        var labels = new List<string>();
        for (var p = (int)Math.Floor(minX); p <= (int)Math.Ceiling(maxX); p++)
        {
            positions.Add(p);
            labels.Add(Math.Pow(2, p).ToString("N0", CultureInfo.InvariantCulture));
        }

        plot.Axes.Bottom.SetTicks(positions.ToArray(), labels.ToArray());
        plot.Axes.SetLimitsX(Math.Floor(minX) - 0.2, Math.Ceiling(maxX) + 0.2);
    }
}
