using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using InferenceScaling.Arith;
using InferenceScaling.Evaluation;

namespace InferenceScaling.Cli.Commands;

/// <summary><c>infscale eval-set</c>: draws fresh evaluation sets from the problem generator and checks them for contamination.</summary>
internal static class EvalSetCommand
{
    public static Command Create()
    {
        var seed = new Option<int>("--seed") { Description = "Generator seed; the same seed always gives the same set.", Required = true };
        var count = new Option<int>("--count") { Description = "Number of problems.", DefaultValueFactory = _ => 300 };
        var difficulty = new Option<string>("--difficulty") { Description = "easy | medium | hard | steps=2-4,operand=50,value=500.", DefaultValueFactory = _ => "hard" };
        var output = new Option<FileInfo>("--out") { Description = "Output JSONL file.", Required = true };
        var draw = new Command("draw", "Draw a fresh eval set (JSONL: id, question, answer, source, difficulty).") { seed, count, difficulty, output };
        draw.SetAction(parse =>
        {
            var d = ProblemDifficulty.Parse(parse.GetValue(difficulty)!);
            var s = parse.GetValue(seed);
            var file = parse.GetValue(output)!;
            var set = EvalSet.Draw(s, parse.GetValue(count), d);
            set.Save(file.FullName);
            Console.Error.WriteLine($"drew {set.Problems.Count} problems (seed {s}, {d}, {ArithmeticProblemGenerator.Version}) into {file.FullName}");
            return 0;
        });

        return new Command("eval-set", "Eval sets: draw fresh problems, check them against training data.") { draw, CreateContamination() };
    }

    /// <summary><c>infscale eval-set contamination --train corpus.jsonl --eval set.jsonl [--n 13] [--out report.jsonl]</c>.</summary>
    private static Command CreateContamination()
    {
        var train = new Option<FileInfo>("--train") { Description = "Training corpus (JSONL; fields question, prompt, completion, problem, text are scanned).", Required = true };
        var eval = new Option<FileInfo>("--eval") { Description = "Eval set (JSONL: plain, GSM8K or MATH layout).", Required = true };
        var n = new Option<int>("--n") { Description = "N-gram length in words (GPT-3 convention: 13).", DefaultValueFactory = _ => Contamination.DefaultN };
        var output = new Option<FileInfo?>("--out") { Description = "Optional JSONL report: one line per overlapping eval problem." };
        var command = new Command("contamination", "Report eval problems that share a word n-gram (or the whole question) with training text.") { train, eval, n, output };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var set = EvalSet.Load(parse.GetValue(eval)!.FullName);
            var report = await Contamination.CheckFileAsync(parse.GetValue(train)!.FullName, set.Problems, parse.GetValue(n), cancellationToken).ConfigureAwait(false);
            var exact = 0;
            var covered = 0;
            foreach (var hit in report.Hits)
            {
                if (hit.ExactDuplicate) exact++;
                if (hit.FullyCovered) covered++;
            }

            var shorter = 0;
            foreach (var p in set.Problems)
            {
                if (Contamination.Words(p.Question).Count < report.N) shorter++;
            }

            Console.WriteLine(report.Summary);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  exact question duplicates: {exact}; fully covered by {report.N}-grams: {covered}; questions shorter than {report.N} words (no {report.N}-grams): {shorter}; scanned {report.TrainingTexts} training texts, {report.TrainingNGrams} {report.N}-grams"));
            foreach (var hit in report.Hits.Take(20))
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {hit.Id}: {hit.OverlappingNGrams}/{hit.TotalNGrams} n-grams{(hit.ExactDuplicate ? ", exact duplicate" : "")}; first: \"{hit.FirstNGram}\""));
            }

            if (report.Hits.Count > 20) Console.WriteLine($"  ... {report.Hits.Count - 20} more");
            var file = parse.GetValue(output);
            if (file is not null)
            {
                file.Directory?.Create();
                await using var writer = new StreamWriter(file.FullName);
                foreach (var hit in report.Hits)
                {
                    await writer.WriteLineAsync(JsonSerializer.Serialize(new
                    {
                        id = hit.Id,
                        overlapping_ngrams = hit.OverlappingNGrams,
                        total_ngrams = hit.TotalNGrams,
                        first_ngram = hit.FirstNGram,
                        exact_duplicate = hit.ExactDuplicate,
                    })).ConfigureAwait(false);
                }
            }

            return 0;
        });
        return command;
    }
}
