using System.CommandLine;
using System.Globalization;
using InferenceScaling.Answers;
using InferenceScaling.Arith;
using InferenceScaling.Cli.Charts;
using InferenceScaling.Evaluation;
using InferenceScaling.Prompts;
using InferenceScaling.Runtime;
using InferenceScaling.Sampling;
using InferenceScaling.Tools;
using InferenceScaling.Verification;

namespace InferenceScaling.Cli.Commands;

/// <summary>
/// <c>infscale sweep</c>: runs an accuracy-versus-budget sweep with <see cref="SweepRunner"/> over the ONNX generator
/// and writes <c>per-problem.jsonl</c>, <c>summary.csv</c>, <c>run.json</c> and the accuracy-vs-tokens chart;
/// <c>sweep summarize</c> redoes the summary and chart from a folder's <c>per-problem.jsonl</c>.
/// </summary>
internal static class SweepCommand
{
    public static Command Create()
    {
        var evalSet = new Option<string>("--eval-set") { Description = "A JSONL eval set, or 'fresh' to draw one from the problem generator with --seed.", DefaultValueFactory = _ => "fresh" };
        var count = new Option<int>("--count") { Description = "Problems in a fresh draw.", DefaultValueFactory = _ => 300 };
        var seed = new Option<int?>("--seed") { Description = "Seed of the fresh draw and of sampling (per problem: from the seed and the problem id). Default: from the clock, printed and saved; on --resume, the saved one." };
        var difficulty = new Option<string>("--difficulty") { Description = "Fresh draw difficulty: easy | medium | hard | steps=2-4,operand=50,value=500.", DefaultValueFactory = _ => "hard" };
        var strategies = new Option<string>("--strategies") { Description = "Comma-separated strategies: greedy, sc, adaptive, sc+verify, sc+refine, sc+verify+refine.", DefaultValueFactory = _ => string.Join(',', SweepOptions.DefaultStrategies) };
        var budgets = new Option<string>("--budgets") { Description = "Comma-separated sample budgets, ascending; the largest is the pool size.", DefaultValueFactory = _ => "1,2,4,8,16,32" };
        var output = new Option<string>("--out") { Description = "Output folder, e.g. results/<name>.", Required = true };
        var resume = new Option<bool>("--resume") { Description = "Continue the sweep in --out: finished problems are skipped." };
        var temperature = new Option<float?>("--temperature", "-t") { Description = "Sampling temperature. Default: the model's generation_config, else 0.8." };
        var maxTokens = new Option<int?>("--max-tokens") { Description = "Most tokens per trace. Default: the prompt set's max_new_tokens, else the model folder's, else what the context leaves (128 for the shipped model)." };
        var target = new Option<double>("--target-confidence") { Description = "The adaptive strategy's stopping confidence.", DefaultValueFactory = _ => 0.95 };
        var wave = new Option<int>("--wave") { Description = "The adaptive strategy's wave size.", DefaultValueFactory = _ => 4 };
        var concurrency = new Option<int>("--concurrency") { Description = "Problems run at the same time (results do not depend on it).", DefaultValueFactory = _ => 1 };
        var every = new Option<int>("--progress-every") { Description = "When output is not a terminal, print progress every N problems.", DefaultValueFactory = _ => 10 };
        var bootstrapSeed = new Option<int>("--bootstrap-seed") { Description = "Seed of the bootstrap resampling for the confidence intervals.", DefaultValueFactory = _ => 0 };
        var model = new ModelArguments();
        var backendArgs = new BackendArguments();
        var tools = new ToolsArgument();
        var command = new Command("sweep", "Accuracy-vs-budget sweep: sample every problem once at the largest budget, estimate each strategy at each budget, write summary.csv, per-problem.jsonl, run.json and a chart.")
        {
            evalSet, count, seed, difficulty, strategies, budgets, output, resume, temperature, maxTokens, target, wave, concurrency, every, bootstrapSeed, tools.Option, CreateSummarize(),
        };
        model.AddTo(command);
        backendArgs.AddTo(command);
        command.SetAction((parse, ct) => CommandErrors.Guard(async () =>
        {
            var strategyNames = Split(parse.GetValue(strategies)!, "--strategies");
            var budgetList = Split(parse.GetValue(budgets)!, "--budgets").Select(b =>
                int.TryParse(b, NumberStyles.Integer, CultureInfo.InvariantCulture, out var k) ? k : throw new FormatException($"--budgets: '{b}' is not a whole number.")).ToArray();
            // Checked before the model loads: a typo should cost nothing.
            var catalog = SweepStrategyCatalog.CreateDefault();
            catalog.Validate(strategyNames);
            var folder = Path.GetFullPath(parse.GetValue(output)!);
            var isResume = parse.GetValue(resume);
            var log = Path.Combine(folder, SweepLog.FileName);
            if (!isResume && File.Exists(log) && new FileInfo(log).Length > 0)
                return CommandErrors.Fail($"{folder} already holds a sweep; pass --resume to continue it, or choose another --out.");
            var saved = isResume ? SweepRunManifest.ReadSettings(folder) : null;

            var s = parse.GetValue(seed)
                ?? (saved is not null && saved.TryGetValue("seed", out var savedSeed) ? int.Parse(savedSeed, CultureInfo.InvariantCulture) : (int)(DateTime.UtcNow.Ticks % 1_000_000_000));
            var evalArg = parse.GetValue(evalSet)!;
            var fresh = evalArg.Equals("fresh", StringComparison.OrdinalIgnoreCase);
            var d = ProblemDifficulty.Parse(parse.GetValue(difficulty)!);
            var set = fresh ? EvalSet.Draw(s, parse.GetValue(count), d) : EvalSet.Load(evalArg);

            using var m = model.Load(parse);
            // With --backend the traces and scores come from the endpoints; the local model gives the prompts and tokenizer.
            using var backend = backendArgs.Create(parse);
            var needsScorer = strategyNames.Any(n => n.Contains("verify", StringComparison.Ordinal) || n.Contains("refine", StringComparison.Ordinal));
            var services = await BackendArguments.ServicesAsync(parse, backend, m, tools, needsScorer, promptSet: null, ct).ConfigureAwait(false);
            var prompts = services.Prompts!;
            var toolSet = services.Tools;
            var defaults = services.DefaultSampling();
            var sampling = defaults with { Temperature = parse.GetValue(temperature) ?? defaults.Temperature, MaxTokens = parse.GetValue(maxTokens) ?? defaults.MaxTokens };
            var modelFile = Path.Combine(m.Folder, "model.onnx");
            var hash = File.Exists(modelFile) ? SweepRunManifest.Sha256(modelFile) : "unknown";
            var t = sampling.Temperature;
            var settings = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["seed"] = s.ToString(CultureInfo.InvariantCulture),
                ["eval_set"] = fresh ? "fresh" : Path.GetFullPath(evalArg),
                ["count"] = fresh ? parse.GetValue(count).ToString(CultureInfo.InvariantCulture) : "file",
                ["difficulty"] = fresh ? d.ToString() : "file",
                ["strategies"] = string.Join(',', strategyNames),
                ["budgets"] = string.Join(',', budgetList),
                ["temperature"] = t.ToString("R", CultureInfo.InvariantCulture),
                ["max_tokens"] = sampling.MaxTokens.ToString(CultureInfo.InvariantCulture),
                ["target_confidence"] = parse.GetValue(target).ToString("R", CultureInfo.InvariantCulture),
                ["wave"] = parse.GetValue(wave).ToString(CultureInfo.InvariantCulture),
                ["prompt_set"] = prompts.Name,
                ["tools"] = toolSet?.Names ?? "none",
                ["model_sha256"] = hash,
            };
            if (backend is not null) settings["backend"] = string.Join(',', backend.Endpoints);
            if (saved is not null) SweepRunManifest.CheckResume(saved, settings, folder);

            Directory.CreateDirectory(folder);
            if (fresh) set.Save(Path.Combine(folder, "eval-set.jsonl"));
            SweepRunManifest.Write(folder, settings, m, hash, prompts, set, Environment.GetCommandLineArgs()[1..], isResume);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"sweep: {set.Problems.Count} problems ({set.Source}), seed {s}, strategies {settings["strategies"]}, budgets {settings["budgets"]}, temperature {t}, tools {settings["tools"]}, model {m.Folder} ({m.DeviceDescription}), prompts '{prompts.Name}' -> {folder}"));

            var printer = new SweepProgressPrinter(Math.Max(1, parse.GetValue(every)));
            var options = new SweepOptions
            {
                Strategies = strategyNames,
                Budgets = budgetList,
                Catalog = catalog,
                Seed = (ulong)(uint)s,
                PromptTemplate = prompts.Solve,
                Sampling = sampling,
                TargetConfidence = parse.GetValue(target),
                AdaptiveWaveSize = parse.GetValue(wave),
                Extractor = new MathAnswerExtractor(),
                Equivalence = MathAnswerEquivalence.Instance,
                Prompts = prompts,
                Check = services.ResolveCheckOptions(),
                Scorer = services.Scorer,
                OutputDirectory = folder,
                Resume = isResume,
                MaxConcurrency = parse.GetValue(concurrency),
                BootstrapSeed = parse.GetValue(bootstrapSeed),
                Progress = printer,
            };
            SweepSummary summary;
            try
            {
                summary = await new SweepRunner(services.Decoder, options).RunAsync(set.Problems, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                printer.Finish();
                Console.Error.WriteLine($"interrupted; finished problems are in {log}. Continue with the same command plus --resume --seed {s}.");
                return 130;
            }

            printer.Finish();
            if (backend is not null) BackendArguments.PrintStatistics(backend, Console.Out);
            Console.WriteLine($"summary -> {Path.Combine(folder, SweepSummary.CsvFileName)}");
            Print(summary);
            WriteChart(summary, folder);
            return 0;
        }));
        return command;
    }

    private static Command CreateSummarize()
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
            WriteChart(summary, folder);
            return 0;
        });
        return summarize;
    }

    private static void WriteChart(SweepSummary summary, string folder)
    {
        var (files, error) = AccuracyChartWriter.TryWrite(summary, folder, Path.GetFileName(folder));
        foreach (var f in files) Console.WriteLine($"chart -> {f}");
        if (error is not null) Console.Error.WriteLine($"warning: {error}; summary.csv was written.");
    }

    /// <summary>The summary as an aligned table.</summary>
    private static void Print(SweepSummary summary)
    {
        Console.WriteLine($"{"strategy",-16} {"budget",6} {"accuracy",9} {"95% CI",17} {"tokens",9} {"wall ms",9} {"samples",8}");
        foreach (var r in summary.Rows)
        {
            var pareto = summary.Frontier.Contains(r) ? " *" : "";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.Strategy,-16} {r.Budget,6} {r.Accuracy.Estimate,9:F3} {$"[{r.Accuracy.Lower:F3}, {r.Accuracy.Upper:F3}]",17} {r.MeanGeneratedTokens,9:F1} {r.MeanWallMs,9:F1} {r.MeanSamples,8:F2}{pareto}"));
        }

        Console.WriteLine("* on the accuracy-vs-tokens Pareto frontier");
    }

    private static string[] Split(string text, string option)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return parts.Length > 0 ? parts : throw new FormatException($"{option}: give at least one value.");
    }
}
