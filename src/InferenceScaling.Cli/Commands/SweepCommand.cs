using System.CommandLine;
using InferenceScaling.Cli.Charts;
using InferenceScaling.Eval;

namespace InferenceScaling.Cli.Commands;

/// <summary>
/// <c>infscale sweep</c>: accuracy-versus-budget sweeps. For now <c>sweep summarize</c>, which turns a sweep folder's
/// <c>per-problem.jsonl</c> into <c>summary.csv</c> and the accuracy-vs-tokens chart; the runner that samples a model
/// plugs in through <see cref="ISweepStrategy"/> and <see cref="SweepLog"/>.
/// </summary>
internal static class SweepCommand
{
    public static Command Create()
    {
        var dir = new Option<DirectoryInfo>("--dir") { Description = "Sweep output folder holding per-problem.jsonl.", Required = true };
        var seed = new Option<int>("--bootstrap-seed") { Description = "Seed of the bootstrap resampling for the confidence intervals.", DefaultValueFactory = _ => 0 };
        var summarize = new Command("summarize", "Write summary.csv and accuracy-vs-tokens.png/.svg from a sweep folder's per-problem.jsonl.") { dir, seed };
        summarize.SetAction(parse =>
        {
            var folder = parse.GetValue(dir)!.FullName;
            var records = SweepLog.Read(Path.Combine(folder, SweepLog.FileName));
            var summary = SweepSummary.Compute(records, parse.GetValue(seed));
            var csv = Path.Combine(folder, SweepSummary.CsvFileName);
            summary.WriteCsv(csv);
            Console.WriteLine($"{records.Count} problems, {summary.Rows.Count} strategy x budget rows -> {csv}");
            var (files, error) = AccuracyChartWriter.TryWrite(summary, folder, Path.GetFileName(folder));
            foreach (var f in files) Console.WriteLine($"chart -> {f}");
            if (error is not null) Console.Error.WriteLine($"warning: {error}; summary.csv was written.");
            return 0;
        });

        return new Command("sweep", "Accuracy-vs-budget sweeps.") { summarize };
    }
}
