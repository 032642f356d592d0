using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using InferenceScaling.Answers;
using InferenceScaling.Arith;
using InferenceScaling.Evaluation;
using InferenceScaling.Prompts;
using InferenceScaling.Runtime;
using InferenceScaling.Sampling;
using InferenceScaling.Verification;

namespace InferenceScaling.Cli.Commands;

/// <summary>
/// <c>infscale skills</c>: measures a model trained on the project's task formats (the shipped model) on a fresh draw:
/// solve (greedy, one sample, majority of N), check (verdict accuracy on a 50/50 mix of correct and planted-error
/// solutions) and fix (corrected answer right, given a flawed solution and its true check). The model card's table.
/// </summary>
internal static class SkillsCommand
{
    public static Command Create()
    {
        var count = new Option<int>("--count") { Description = "Problems in the fresh draw.", DefaultValueFactory = _ => 500 };
        var seed = new Option<int>("--seed") { Description = "Draw seed (use one never used for training data).", DefaultValueFactory = _ => 424242 };
        var difficulty = new Option<string>("--difficulty") { Description = "easy | medium | hard | steps=..,operand=..,value=..", DefaultValueFactory = _ => "hard" };
        var samples = new Option<int>("--samples") { Description = "Samples per problem for single-sample and majority accuracy.", DefaultValueFactory = _ => 16 };
        var temperatures = new Option<string>("--temperatures") { Description = "Comma-separated sampling temperatures to measure.", DefaultValueFactory = _ => "0.8" };
        var output = new Option<FileInfo?>("--out") { Description = "Write the figures as JSON." };
        var model = new ModelArguments();
        var command = new Command("skills", "Measure solve / check / fix accuracy of a model trained on the project's formats, on a fresh draw.") { count, seed, difficulty, samples, temperatures, output };
        model.AddTo(command);
        command.SetAction((parse, ct) => CommandErrors.Guard(async () =>
        {
            using var m = model.Load(parse);
            var generator = new OnnxTraceGenerator(m);
            var extractor = new MathAnswerExtractor();
            var d = ProblemDifficulty.Parse(parse.GetValue(difficulty)!);
            var n = parse.GetValue(count);
            var k = parse.GetValue(samples);
            var drawSeed = parse.GetValue(seed);
            var temps = parse.GetValue(temperatures)!.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(t => float.Parse(t, CultureInfo.InvariantCulture)).ToArray();
            var problemGen = new ArithmeticProblemGenerator(drawSeed);
            var problems = Enumerable.Range(0, n).Select(_ => problemGen.Next(d)).ToList();
            var planter = new ArithmeticProblemGenerator(drawSeed ^ 0x0c0ffee);
            var report = new Dictionary<string, object>
            {
                ["model"] = m.Folder,
                ["draw"] = $"{ArithmeticProblemGenerator.Version};seed={drawSeed};count={n};difficulty={d}",
                ["samples"] = k,
            };

            bool Correct(string text, Problem p) =>
                extractor.Extract(text) is { Source: not AnswerSource.LastNumber } a && a.Text.Trim() == p.Answer.ToString(CultureInfo.InvariantCulture);

            async Task<Trace> Greedy(string prompt) =>
                (await generator.GenerateAllAsync(new TraceRequest { Prompt = prompt, Sampling = new SamplingOptions { Temperature = 0, MaxTokens = 160 } }, ct).ConfigureAwait(false))[0];

            // Solve, greedy.
            var greedyRight = 0;
            foreach (var p in problems) if (Correct((await Greedy(TaskFormat.SolvePrompt(p.Question)).ConfigureAwait(false)).Text, p)) greedyRight++;
            report["solve_greedy"] = Interval(BootstrapInterval.Wilson(greedyRight, n));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"solve greedy: {greedyRight}/{n} = {(double)greedyRight / n:P1}"));

            // Solve, sampled: one sample (mean over the k draws) and majority of k, per temperature.
            foreach (var t in temps)
            {
                var single = new List<double>();
                var majority = new List<double>();
                var any = new List<double>();
                var index = 0;
                foreach (var p in problems)
                {
                    var traces = await generator.GenerateAllAsync(new TraceRequest
                    {
                        Prompt = TaskFormat.SolvePrompt(p.Question),
                        Count = k,
                        Sampling = new SamplingOptions { Temperature = t, MaxTokens = 160, Seed = (ulong)(drawSeed * 1000003L + index++) },
                    }, ct).ConfigureAwait(false);
                    var keys = traces.Select(tr => extractor.Extract(tr.Text) is { Source: not AnswerSource.LastNumber } a ? a.Text.Trim() : null).ToList();
                    var right = keys.Select(key => key == p.Answer.ToString(CultureInfo.InvariantCulture)).ToList();
                    single.Add(right.Count(r => r) / (double)k);
                    majority.Add(MajorityVoteEstimator.MajorityAtK(keys, right, k));
                    any.Add(right.Any(r => r) ? 1 : 0);
                }

                var tag = t.ToString("0.0#", CultureInfo.InvariantCulture);
                report[$"solve_sample_t{tag}"] = Interval(BootstrapInterval.Mean(single));
                report[$"solve_majority{k}_t{tag}"] = Interval(BootstrapInterval.Mean(majority));
                report[$"solve_any{k}_t{tag}"] = Interval(BootstrapInterval.Mean(any));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"T={tag}: one sample {single.Average():P1}, majority of {k} {majority.Average():P1}, any of {k} {any.Average():P1}"));
            }

            // Check: half correct solutions, half with one planted error; the verdict must match.
            var checkRight = 0;
            var checkCorrectCases = 0;
            var checkCorrectRight = 0;
            var recomputeRight = 0;
            var recomputeCorrectRight = 0;
            // The trained formats are the arith prompt set's: its step pattern and verdict parser read the checks.
            var arith = PromptSet.Find("arith");
            var stepPattern = arith.StepPattern ?? throw new InvalidDataException($"{arith.Folder}: the arith prompt set has no step_pattern.");
            var verdicts = VerdictParser.For(arith);
            var fixRight = 0;
            // The same candidates checked by step scores (the model's belief in each written step; no critique).
            var stepChecker = new StepScoreChecker(new OnnxContinuationScorer(m), generator, arith);
            int stepRight = 0, stepCorrectRight = 0;
            double stepPCorrect = 0, stepPFlawed = 0;
            for (var i = 0; i < problems.Count; i++)
            {
                var p = problems[i];
                var flawedWanted = i % 2 == 1;
                var candidate = flawedWanted ? planter.PlantError(p, out _) : p.Steps;
                TaskFormat.FormatCheck(p.Steps, candidate, out var errorStep);
                var check = (await Greedy(TaskFormat.CheckPrompt(p.Question, TaskFormat.FormatSolution(candidate))).ConfigureAwait(false)).Text;
                var saysCorrect = check.TrimEnd().EndsWith(TaskFormat.CorrectVerdict, StringComparison.Ordinal);
                var saysWrong = check.Contains(TaskFormat.WrongVerdictPrefix, StringComparison.Ordinal);
                var ok = errorStep is null ? saysCorrect && !saysWrong : saysWrong && !saysCorrect;
                if (ok) checkRight++;
                if (errorStep is null) { checkCorrectCases++; if (ok) checkCorrectRight++; }

                // The same check read by recomputation: its rewritten steps against the candidate's (StepComparison).
                var byRecompute = StepComparison.Compare(stepPattern, TaskFormat.FormatSolution(candidate), check, verdicts.Parse(check));
                var recomputeOk = errorStep is null ? byRecompute.Kind == VerdictKind.Correct : byRecompute.Kind == VerdictKind.Wrong;
                if (recomputeOk) recomputeRight++;
                if (recomputeOk && errorStep is null) recomputeCorrectRight++;

                var last = candidate[^1].Result.ToString(CultureInfo.InvariantCulture);
                var byScores = await stepChecker.CheckAsync(p.Question, TaskFormat.FormatSolution(candidate), last, last, cancellationToken: ct).ConfigureAwait(false);
                var stepOk = errorStep is null ? byScores.Verdict == VerdictKind.Correct : byScores.Verdict == VerdictKind.Wrong;
                if (stepOk) stepRight++;
                if (stepOk && errorStep is null) stepCorrectRight++;
                if (errorStep is null) stepPCorrect += byScores.CorrectProbability ?? 0; else stepPFlawed += byScores.CorrectProbability ?? 0;

                var flawed = planter.PlantError(p, out _);
                var trueCheck = TaskFormat.FormatCheck(p.Steps, flawed, out _);
                var fix = (await Greedy(TaskFormat.FixPrompt(p.Question, TaskFormat.FormatSolution(flawed), trueCheck)).ConfigureAwait(false)).Text;
                if (Correct(fix, p)) fixRight++;
            }

            report["check_verdict"] = Interval(BootstrapInterval.Wilson(checkRight, n));
            report["check_by_recomputation"] = Interval(BootstrapInterval.Wilson(recomputeRight, n));
            report["check_on_correct"] = Interval(BootstrapInterval.Wilson(checkCorrectRight, checkCorrectCases));
            report["check_on_flawed"] = Interval(BootstrapInterval.Wilson(checkRight - checkCorrectRight, n - checkCorrectCases));
            report["check_by_step_scores"] = Interval(BootstrapInterval.Wilson(stepRight, n));
            report["check_by_step_scores_mean_p_correct"] = new { on_correct = Math.Round(stepPCorrect / Math.Max(1, checkCorrectCases), 4), on_flawed = Math.Round(stepPFlawed / Math.Max(1, n - checkCorrectCases), 4) };
            report["fix"] = Interval(BootstrapInterval.Wilson(fixRight, n));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"check verdict: {checkRight}/{n} = {(double)checkRight / n:P1} (on correct {checkCorrectRight}/{checkCorrectCases}, on flawed {checkRight - checkCorrectRight}/{n - checkCorrectCases})"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"check by recomputation: {recomputeRight}/{n} = {(double)recomputeRight / n:P1} (on correct {recomputeCorrectRight}/{checkCorrectCases}, on flawed {recomputeRight - recomputeCorrectRight}/{n - checkCorrectCases})"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"check by step scores: {stepRight}/{n} = {(double)stepRight / n:P1} (on correct {stepCorrectRight}/{checkCorrectCases}, on flawed {stepRight - stepCorrectRight}/{n - checkCorrectCases}); mean p(correct) {stepPCorrect / Math.Max(1, checkCorrectCases):F3} on correct, {stepPFlawed / Math.Max(1, n - checkCorrectCases):F3} on flawed"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"fix: {fixRight}/{n} = {(double)fixRight / n:P1}"));

            if (parse.GetValue(output) is { } file)
            {
                file.Directory?.Create();
                await File.WriteAllTextAsync(file.FullName, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }), ct).ConfigureAwait(false);
            }

            return 0;
        }));
        return command;
    }

    private static object Interval(ConfidenceInterval ci) => new { estimate = Math.Round(ci.Estimate, 4), lower = Math.Round(ci.Lower, 4), upper = Math.Round(ci.Upper, 4) };
}
