using System.CommandLine;
using System.Globalization;
using InferenceScaling.Evaluation;
using InferenceScaling.Solving;

namespace InferenceScaling.Cli.Commands;

/// <summary>
/// Hidden <c>infscale eval-verify</c>: a thin alias over the sweep harness for the selection comparison of issues 5
/// and 8. It runs <see cref="SweepStrategyCatalog.SelectionComparison"/> (majority, step-weighted, step-only,
/// critique-weighted and the refinement variants, see <see cref="SweepStrategyCatalog.RegisterSelectionComparison(int, int)"/>)
/// at one sample budget (or under one budget, <c>--budget thorough</c>) on an eval set, writes the sweep's files to <c>--out</c>, and prints accuracy (95% bootstrap
/// CI), mean generated tokens, and each strategy's paired difference against majority (wrong→right, right→wrong).
/// Every strategy draws the same traces (every problem with <c>--seed</c>, as eval-verify always has, so its
/// figures reproduce); identical requests are decoded once.
/// </summary>
internal static class EvalVerifyCommand
{
    public static Command Create()
    {
        var set = new Option<string>("--set") { Description = "Eval set JSONL (infscale eval-set draw).", Required = true };
        var samples = new Option<int>("--samples", "-n") { Description = "Samples per problem.", DefaultValueFactory = _ => 16 };
        var checks = new Option<int>("--verifications") { Description = "Most checks per problem.", DefaultValueFactory = _ => 16 };
        var rounds = new Option<int>("--rounds") { Description = "Most refinement rounds.", DefaultValueFactory = _ => 2 };
        var limit = new Option<int?>("--limit") { Description = "Only the first N problems." };
        var parallel = new Option<int>("--parallel") { Description = "Problems in flight at once.", DefaultValueFactory = _ => 1 };
        var temperature = new Option<float?>("--temperature", "-t") { Description = "Sampling temperature (default: the model folder's, else 0.8)." };
        var seed = new Option<ulong>("--seed") { Description = "Sampling seed of every problem (as eval-verify always drew; the sweep's per-problem seeds with --seed-per-problem).", DefaultValueFactory = _ => 0UL };
        var perProblem = new Option<bool>("--seed-per-problem") { Description = "Each problem samples with a seed from --seed and its id, as sweeps do." };
        var preset = new Option<string?>("--budget") { Description = "Run every strategy live under this budget (e.g. thorough: its samples, waves, early stop, checks and rounds) instead of --samples/--verifications/--rounds." };
        var output = new Option<string?>("--out") { Description = "Sweep output folder (per-problem.jsonl, summary.csv). Default: a new folder under the temp directory." };
        var model = new ModelArguments();
        var command = new Command("eval-verify", "Measure majority vs verifier selection vs refinement on the same draws (an alias over the sweep harness).")
        {
            set, samples, checks, rounds, preset, limit, parallel, temperature, seed, perProblem, output,
        };
        command.Hidden = true;
        model.AddTo(command);
        command.SetAction((parse, ct) => CommandErrors.Guard(async () =>
        {
            var problems = EvalSet.Load(parse.GetValue(set)!).Problems;
            if (parse.GetValue(limit) is { } l) problems = [.. problems.Take(l)];
            var budget = parse.GetValue(preset) is { } text ? Budget.Parse(text) : (Budget?)null;
            var k = budget?.MaxSamples ?? parse.GetValue(samples);
            var folder = parse.GetValue(output) is { } o ? Path.GetFullPath(o) : Directory.CreateTempSubdirectory("eval-verify-").FullName;
            if (File.Exists(Path.Combine(folder, SweepLog.FileName)) && new FileInfo(Path.Combine(folder, SweepLog.FileName)).Length > 0)
                return CommandErrors.Fail($"{folder} already holds a sweep; choose another --out.");
            Directory.CreateDirectory(folder);
            var catalog = budget is { } b
                ? SweepStrategyCatalog.CreateDefault().RegisterSelectionComparison(_ => b)
                : SweepStrategyCatalog.CreateDefault().RegisterSelectionComparison(parse.GetValue(checks), parse.GetValue(rounds));

            using var m = model.Load(parse);
            var services = await BackendArguments.ServicesAsync(parse, backend: null, m, tools: null, needsScorer: true, promptSet: null, ct).ConfigureAwait(false);
            var defaults = services.DefaultSampling();
            var options = new SweepOptions
            {
                Strategies = SweepStrategyCatalog.SelectionComparison,
                Budgets = [k],
                Catalog = catalog,
                Seed = parse.GetValue(seed),
                SeedPerProblem = parse.GetValue(perProblem),
                PromptTemplate = services.PromptTemplate,
                Sampling = defaults with { Temperature = parse.GetValue(temperature) ?? defaults.Temperature },
                Extractor = services.Extractor,
                Equivalence = services.Equivalence,
                Prompts = services.Prompts,
                Check = services.ResolveCheckOptions(),
                Scorer = services.Scorer,
                OutputDirectory = folder,
                MaxConcurrency = parse.GetValue(parallel),
            };
            var what = budget is { } under ? $"budget {under}" : $"{k} samples, ≤ {parse.GetValue(checks)} checks, ≤ {parse.GetValue(rounds)} rounds";
            Console.Error.WriteLine($"eval-verify: {problems.Count} problems, {what}, prompts '{services.Prompts!.Name}' (checker '{services.ResolveChecking().Profile.Checker}') -> {folder}");
            // Every strategy asks for the same seeded samples and greedy checks: decode each distinct request once.
            var summary = await new SweepRunner(new RequestCache(services.Decoder), options).RunAsync(problems, ct).ConfigureAwait(false);
            Print(summary, SweepLog.Read(Path.Combine(folder, SweepLog.FileName)), k);
            return 0;
        }));
        return command;
    }

    /// <summary>The table: accuracy with its interval and tokens per strategy, then each one's paired difference against majority.</summary>
    private static void Print(SweepSummary summary, IReadOnlyList<SweepProblemRecord> records, int budget)
    {
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine($"problems: {records.Count}; samples {budget}");
        Console.WriteLine("strategy                      accuracy  95% CI              gen tokens");
        foreach (var name in SweepStrategyCatalog.SelectionComparison)
        {
            var row = summary.Rows.Single(r => r.Strategy == name && r.Budget == budget);
            Console.WriteLine(string.Create(inv, $"{name,-28} {row.Accuracy.Estimate,8:P1}  [{row.Accuracy.Lower:P1}, {row.Accuracy.Upper:P1}]  {row.MeanGeneratedTokens,10:F0}"));
        }

        double Score(SweepProblemRecord r, string name) => r.Outcomes.Single(x => x.Strategy == name && x.Budget == budget).Score;
        foreach (var name in SweepStrategyCatalog.SelectionComparison.Skip(1))
        {
            var wrongToRight = records.Count(r => Score(r, "majority") < 0.5 && Score(r, name) >= 0.5);
            var rightToWrong = records.Count(r => Score(r, "majority") >= 0.5 && Score(r, name) < 0.5);
            // Paired: the same problems and draws under both strategies, so the interval is on per-problem differences.
            var diff = BootstrapInterval.Mean([.. records.Select(r => Score(r, name) - Score(r, "majority"))]);
            Console.WriteLine(string.Create(inv,
                $"{name} vs majority: wrong→right {wrongToRight}, right→wrong {rightToWrong}; difference {diff.Estimate * 100:+0.0;-0.0} points [{diff.Lower * 100:+0.0;-0.0}, {diff.Upper * 100:+0.0;-0.0}]"));
        }
    }
}
