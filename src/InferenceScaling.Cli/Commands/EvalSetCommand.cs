using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using InferenceScaling.Eval;
using InferenceScaling.Problems;

namespace InferenceScaling.Cli.Commands;

/// <summary><c>infscale eval-set</c>: draws fresh evaluation sets from the problem generator.</summary>
internal static class EvalSetCommand
{
    public static Command Create()
    {
        var seed = new Option<int>("--seed") { Description = "Generator seed; the same seed always gives the same set.", Required = true };
        var count = new Option<int>("--count") { Description = "Number of problems.", DefaultValueFactory = _ => 300 };
        var difficulty = new Option<string>("--difficulty") { Description = "easy | medium | hard | steps=2-4,operand=50,value=500.", DefaultValueFactory = _ => "medium" };
        var output = new Option<FileInfo>("--out") { Description = "Output JSONL file.", Required = true };
        var draw = new Command("draw", "Draw a fresh eval set (JSONL: id, question, answer, source, difficulty).") { seed, count, difficulty, output };
        draw.SetAction(parse =>
        {
            var d = ProblemDifficulty.Parse(parse.GetValue(difficulty)!);
            var s = parse.GetValue(seed);
            var generator = new ArithmeticProblemGenerator(s);
            var file = parse.GetValue(output)!;
            file.Directory?.Create();
            using var writer = new StreamWriter(file.FullName);
            var n = parse.GetValue(count);
            var source = string.Create(CultureInfo.InvariantCulture, $"{ArithmeticProblemGenerator.Version};seed={s}");
            for (var i = 0; i < n; i++)
            {
                var p = generator.Next(d);
                writer.WriteLine(JsonSerializer.Serialize(new EvalProblem(p.Id, p.Question, p.Answer.ToString(CultureInfo.InvariantCulture), source, d.ToString())));
            }

            Console.Error.WriteLine($"drew {n} problems (seed {s}, {d}) into {file.FullName}");
            return 0;
        });

        return new Command("eval-set", "Eval sets: draw fresh problems.") { draw };
    }
}
