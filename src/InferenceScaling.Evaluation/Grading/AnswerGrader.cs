using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

using InferenceScaling.Answers;

namespace InferenceScaling.Evaluation;

/// <summary>
/// Grades predictions against gold answers, one at a time or as JSONL (<c>{"gold": ..., "prediction": ...}</c> lines).
/// </summary>
/// <remarks>
/// <para>
/// A prediction may be a bare answer (<c>57</c>, <c>\frac{1}{2}</c>) or a whole trace. When the extractor finds an answer
/// marker, the marked answer is graded. Otherwise a single line of at most <see cref="MaxBareAnswerLength"/> characters
/// with no sentence break (<c>". "</c>) is taken whole as a bare answer; anything else gets the extractor's fallback (the
/// last number, by default) or no answer. The gold answer goes through the same rules without the fallback, so a
/// GSM8K solution ending in <c>#### 72</c> or a MATH solution with <c>\boxed{}</c> can be the gold as is.
/// </para>
/// <para>Thread-safe when the extractor and equivalence are (the defaults are).</para>
/// </remarks>
public sealed class AnswerGrader
{
    /// <summary>The longest single-line prediction taken whole as a bare answer when it has no answer marker.</summary>
    public const int MaxBareAnswerLength = 100;

    /// <summary>Keeps LaTeX and signs readable in the output (the file is data, not HTML).</summary>
    private static readonly JsonSerializerOptions OutputOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly IAnswerExtractor _extractor;

    private readonly IAnswerEquivalence _equivalence;

    /// <summary>A grader with <see cref="MathAnswerExtractor"/> (default options) and <see cref="MathAnswerEquivalence"/>.</summary>
    public AnswerGrader()
        : this(new MathAnswerExtractor(), MathAnswerEquivalence.Instance)
    {
    }

    /// <summary>A grader with the given extractor and equivalence.</summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public AnswerGrader(IAnswerExtractor extractor, IAnswerEquivalence equivalence)
    {
        ArgumentNullException.ThrowIfNull(extractor);
        ArgumentNullException.ThrowIfNull(equivalence);
        _extractor = extractor;
        _equivalence = equivalence;
    }

    /// <summary>Grades one prediction (a bare answer or a trace; null for none) against a gold answer.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="gold"/> is null.</exception>
    public GradedAnswer Grade(string gold, string? prediction)
    {
        ArgumentNullException.ThrowIfNull(gold);
        var goldAnswer = ReadAnswer(gold, useFallback: false).Answer ?? gold.Trim();
        var goldKey = _equivalence.CanonicalKey(goldAnswer);
        if (prediction is null) return new GradedAnswer(false, goldAnswer, goldKey, null, null, null);

        var (answer, source) = ReadAnswer(prediction, useFallback: true);
        if (answer is null) return new GradedAnswer(false, goldAnswer, goldKey, null, null, null);
        var key = _equivalence.CanonicalKey(answer);
        var correct = string.Equals(goldKey, key, StringComparison.Ordinal) || _equivalence.AreEquivalent(goldAnswer, answer);
        return new GradedAnswer(correct, goldAnswer, goldKey, answer, source, key);
    }

    /// <summary>
    /// Grades every line of <paramref name="input"/> and writes each back to <paramref name="output"/> with
    /// <c>correct</c>, <c>gold_normalized</c>, <c>prediction_normalized</c>, <c>extracted</c> and <c>extracted_from</c> added
    /// (other fields are kept). Gold is read from <c>gold</c> or else <c>answer</c>; the prediction from <c>prediction</c> or
    /// else <c>response</c>; each may be a string or a number, and a null prediction is graded as no answer.
    /// </summary>
    /// <remarks>
    /// Blank lines are skipped. Any other line that cannot be graded stops the run with a
    /// <see cref="GradeInputException"/> naming the line, rather than being skipped, because a silently dropped line would
    /// change the accuracy's denominator. Nothing is written to <paramref name="output"/> unless every line grades.
    /// </remarks>
    /// <returns>The totals.</returns>
    /// <exception cref="GradeInputException">A line is not a JSON object, or lacks a gold or prediction field, or has one of the wrong type.</exception>
    public GradingSummary GradeJsonl(TextReader input, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        var lines = new List<string>();
        int total = 0, correct = 0, lineNumber = 0;
        while (input.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            var record = ParseObject(line, lineNumber);
            var gold = ReadField(record, lineNumber, "gold", "answer")
                ?? throw new GradeInputException(lineNumber, "the gold answer is null");
            var prediction = ReadField(record, lineNumber, "prediction", "response");
            var graded = Grade(gold, prediction);
            total++;
            if (graded.Correct) correct++;

            record["correct"] = graded.Correct;
            record["gold_normalized"] = graded.GoldNormalized;
            record["prediction_normalized"] = graded.PredictionNormalized;
            record["extracted"] = graded.Extracted;
            record["extracted_from"] = graded.Extracted is null ? null : SourceName(graded.ExtractedFrom);
            lines.Add(record.ToJsonString(OutputOptions));
        }

        foreach (var line in lines) output.WriteLine(line);
        return new GradingSummary(total, correct);
    }

    private (string? Answer, AnswerSource? Source) ReadAnswer(string text, bool useFallback)
    {
        var extracted = _extractor.Extract(text);
        if (extracted is not null && extracted.Source != AnswerSource.LastNumber) return (extracted.Text, extracted.Source);

        var trimmed = text.Trim();
        if (trimmed.Length > 0 && trimmed.Length <= MaxBareAnswerLength && !trimmed.Contains('\n', StringComparison.Ordinal) && !trimmed.Contains(". ", StringComparison.Ordinal))
            return (trimmed, null);
        return useFallback && extracted is not null ? (extracted.Text, extracted.Source) : (null, null);
    }

    private static JsonObject ParseObject(string line, int lineNumber)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(line);
        }
        catch (JsonException ex)
        {
            throw new GradeInputException(lineNumber, $"not valid JSON ({ex.Message})", ex);
        }

        return node as JsonObject ?? throw new GradeInputException(lineNumber, "expected a JSON object");
    }

    /// <summary>The field <paramref name="name"/>, else <paramref name="alias"/>, as text; null when its value is null; throws when both are missing.</summary>
    private static string? ReadField(JsonObject record, int lineNumber, string name, string alias)
    {
        JsonNode? node;
        string used;
        try
        {
            used = record.ContainsKey(name) ? name : alias;
            if (!record.TryGetPropertyValue(used, out node)) throw new GradeInputException(lineNumber, $"no \"{name}\" (or \"{alias}\") field");
        }
        catch (ArgumentException ex)
        {
            // JsonObject reports duplicate property names when it is first accessed.
            throw new GradeInputException(lineNumber, ex.Message, ex);
        }

        if (node is null) return null;
        return node.GetValueKind() switch
        {
            JsonValueKind.String => node.GetValue<string>(),
            JsonValueKind.Number => node.ToJsonString(),
            _ => throw new GradeInputException(lineNumber, $"\"{used}\" must be a string or a number, not {node.GetValueKind()}"),
        };
    }

    private static string SourceName(AnswerSource? source) => source switch
    {
        null => "whole",
        AnswerSource.Boxed => "boxed",
        AnswerSource.Hashes => "hashes",
        AnswerSource.FinalAnswer => "final_answer",
        AnswerSource.AnswerLine => "answer_line",
        AnswerSource.LastNumber => "last_number",
        _ => source.Value.ToString(),
    };
}
