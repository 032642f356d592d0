using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using InferenceScaling.Arith;

namespace InferenceScaling.Cli.Commands;

/// <summary><c>infscale train-data</c>: writes the shipped model's training examples (solve, check, fix) as JSONL.</summary>
internal static class TrainDataCommand
{
    public static Command Create()
    {
        var seed = new Option<int>("--seed") { Description = "Generator seed.", DefaultValueFactory = _ => 1 };
        var count = new Option<int>("--count") { Description = "Number of problems (each gives one solve, one check and one fix example).", DefaultValueFactory = _ => 1000 };
        var mix = new Option<string>("--mix") { Description = "Difficulty mix, e.g. easy:0.3,medium:0.5,hard:0.2.", DefaultValueFactory = _ => "easy:0.3,medium:0.5,hard:0.2" };
        var output = new Option<FileInfo>("--out") { Description = "Output JSONL file.", Required = true };
        var command = new Command("train-data", "Write training examples for the shipped model (JSONL: task, prompt, completion, answer).") { seed, count, mix, output };
        command.SetAction(parse =>
        {
            var weights = ParseMix(parse.GetValue(mix)!);
            var generator = new ArithmeticProblemGenerator(parse.GetValue(seed));
            var picker = new Random(parse.GetValue(seed) ^ 0x5eed);
            var file = parse.GetValue(output)!;
            file.Directory?.Create();
            using var writer = new StreamWriter(file.FullName);
            var n = parse.GetValue(count);
            for (var i = 0; i < n; i++)
            {
                var difficulty = PickDifficulty(weights, picker.NextDouble());
                var problem = generator.Next(difficulty);
                foreach (var example in generator.Examples(problem))
                {
                    writer.WriteLine(JsonSerializer.Serialize(new
                    {
                        task = example.Task.ToString().ToLowerInvariant(),
                        id = example.ProblemId,
                        prompt = example.Prompt,
                        completion = example.Completion,
                        answer = example.Answer,
                        error_step = example.ErrorStep,
                    }));
                }
            }

            Console.Error.WriteLine($"wrote {n} problems ({n * 3} examples) to {file.FullName}");
            return 0;
        });
        return command;
    }

    private static List<(ProblemDifficulty Difficulty, double Weight)> ParseMix(string text)
    {
        var result = new List<(ProblemDifficulty, double)>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = part.LastIndexOf(':');
            if (colon <= 0 || !double.TryParse(part[(colon + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var w) || w < 0)
                throw new FormatException($"--mix: '{part}' is not difficulty:weight.");
            result.Add((ProblemDifficulty.Parse(part[..colon]), w));
        }

        if (result.Count == 0 || result.Sum(r => r.Item2) <= 0) throw new FormatException("--mix: no positive weights.");
        return result;
    }

    private static ProblemDifficulty PickDifficulty(List<(ProblemDifficulty Difficulty, double Weight)> mix, double u)
    {
        var total = mix.Sum(m => m.Weight);
        var acc = 0.0;
        foreach (var (d, w) in mix)
        {
            acc += w / total;
            if (u < acc) return d;
        }

        return mix[^1].Difficulty;
    }
}
