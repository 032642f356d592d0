using System.Text.Json.Serialization;

namespace InferenceScaling.Evaluation;

/// <summary>One line of an eval set (the JSONL schema documented in <c>eval-sets/README.md</c>).</summary>
/// <param name="Id">Unique within the set.</param>
/// <param name="Question">The problem text given to the model.</param>
/// <param name="Answer">The gold final answer.</param>
/// <param name="Source">Where the problem came from, e.g. a generator version and seed, or a dataset name.</param>
/// <param name="Difficulty">Free-form difficulty label.</param>
public sealed record EvalProblem(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("question")] string Question,
    [property: JsonPropertyName("answer")] string Answer,
    [property: JsonPropertyName("source")] string? Source = null,
    [property: JsonPropertyName("difficulty")] string? Difficulty = null);
