using System.CommandLine;
using InferenceScaling.Answers;
using InferenceScaling.Evaluation;

namespace InferenceScaling.Cli.Commands;

/// <summary><c>infscale grade</c>: grades a predictions JSONL file and prints the accuracy.</summary>
internal static class GradeCommand
{
    public static Command Create()
    {
        var input = new Option<FileInfo>("--input") { Description = "Predictions JSONL: {\"gold\"|\"answer\": ..., \"prediction\"|\"response\": ...} per line.", Required = true };
        var output = new Option<FileInfo?>("--output") { Description = "Write each line back with correct, gold_normalized, prediction_normalized, extracted and extracted_from added." };
        var command = new Command("grade", "Grade predictions (bare answers or whole traces) against gold answers with math-aware equivalence.") { input, output };
        command.SetAction(parse =>
        {
            var inputFile = parse.GetValue(input)!;
            var outputFile = parse.GetValue(output);
            if (!inputFile.Exists)
            {
                Console.Error.WriteLine($"grade: input file not found: {inputFile.FullName}");
                return 2;
            }

            GradingSummary summary;
            var graded = new StringWriter();
            try
            {
                using var reader = new StreamReader(inputFile.FullName);
                summary = new AnswerGrader().GradeJsonl(reader, graded);
            }
            catch (GradeInputException ex)
            {
                // Bad lines stop the run (exit 2) instead of being skipped: skipping would silently change the accuracy.
                Console.Error.WriteLine($"grade: {inputFile.FullName}: {ex.Message}");
                return 2;
            }

            if (outputFile is not null)
            {
                outputFile.Directory?.Create();
                File.WriteAllText(outputFile.FullName, graded.ToString());
            }

            Console.WriteLine(summary.ToString());
            return 0;
        });
        return command;
    }
}
