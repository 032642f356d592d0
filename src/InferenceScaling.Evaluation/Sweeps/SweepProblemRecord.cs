using System.Text.Json.Serialization;

namespace InferenceScaling.Evaluation;

/// <summary>One finished problem of a sweep: one line of <c>per-problem.jsonl</c>.</summary>
/// <param name="ProblemId">The eval problem's id.</param>
/// <param name="Gold">The gold answer.</param>
/// <param name="Traces">The shared sample pool drawn at the largest budget, in sampling order.</param>
/// <param name="Outcomes">Every strategy × budget result for this problem.</param>
/// <param name="Seed">The problem's sampling seed (<see cref="SweepRunner.ProblemSeed"/>), or null when not recorded.</param>
public sealed record SweepProblemRecord(
    [property: JsonPropertyName("id")] string ProblemId,
    [property: JsonPropertyName("gold")] string Gold,
    [property: JsonPropertyName("traces")] IReadOnlyList<SweepTrace> Traces,
    [property: JsonPropertyName("outcomes")] IReadOnlyList<SweepOutcome> Outcomes,
    [property: JsonPropertyName("seed")] ulong? Seed = null);
