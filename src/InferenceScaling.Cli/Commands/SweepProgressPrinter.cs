using System.Globalization;
using InferenceScaling.Evaluation;

namespace InferenceScaling.Cli.Commands;

/// <summary>
/// Shows a sweep's progress: one line redrawn in place on a terminal, or a plain line every <c>every</c> problems
/// (and at the end) when output is redirected, so logs stay readable. Reports arrive one at a time from the runner.
/// </summary>
internal sealed class SweepProgressPrinter(int every) : IProgress<SweepProgress>
{
    /// <summary>Whether stdout is a terminal (redraw with a carriage return).</summary>
    private readonly bool _interactive = !Console.IsOutputRedirected;

    /// <summary>Length of the last line drawn, to blank what a shorter line leaves behind.</summary>
    private int _lastLength;

    public void Report(SweepProgress value)
    {
        var line = Format(value);
        if (_interactive)
        {
            Console.Out.Write("\r" + line.PadRight(_lastLength));
            _lastLength = line.Length;
            Console.Out.Flush();
        }
        else if (value.LastProblemId is null || value.Done == value.Total || value.RanThisSession % every == 0)
        {
            Console.Out.WriteLine(line);
        }
    }

    /// <summary>Ends the redrawn line so later output starts on a fresh one.</summary>
    public void Finish()
    {
        if (_interactive && _lastLength > 0) Console.Out.WriteLine();
        _lastLength = 0;
    }

    private static string Format(SweepProgress p)
    {
        var eta = p.EstimatedRemaining is { } e ? Duration(e) : "?";
        var resumed = p.Resumed > 0 ? string.Create(CultureInfo.InvariantCulture, $" ({p.Resumed} resumed)") : "";
        var percent = p.Total > 0 ? 100.0 * p.Done / p.Total : 100;
        return string.Create(CultureInfo.InvariantCulture,
            $"[{Bar(percent)}] {p.Done}/{p.Total} problems{resumed}  {p.TracesPerSecond:F1} traces/s  {p.TokensPerSecond:F0} tokens/s  elapsed {Duration(p.Elapsed)}  ETA {eta}");
    }

    private static string Bar(double percent)
    {
        const int width = 20;
        var filled = (int)Math.Round(percent / 100 * width);
        return new string('#', filled) + new string('.', width - filled);
    }

    private static string Duration(TimeSpan t) =>
        t.TotalHours >= 1 ? t.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture) : t.ToString(@"m\:ss", CultureInfo.InvariantCulture);
}
