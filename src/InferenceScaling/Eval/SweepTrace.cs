using System.Text.Json.Serialization;

namespace InferenceScaling.Eval;

/// <summary>One sampled trace of a sweep, reduced to what the summary and later analysis need (a line of <c>per-problem.jsonl</c>).</summary>
/// <param name="AnswerKey">Canonical answer key (<see cref="Answers.IAnswerEquivalence.CanonicalKey"/>), or null when no answer was extracted.</param>
/// <param name="Correct">Whether the answer is equivalent to the gold answer.</param>
/// <param name="GeneratedTokens">Tokens the trace generated.</param>
/// <param name="MeanLogProb">Mean log-probability per generated token.</param>
/// <param name="WallMs">Wall time attributed to this trace in milliseconds (its batch's time divided among its rows, or 0 when unknown).</param>
public sealed record SweepTrace(
    [property: JsonPropertyName("key")] string? AnswerKey,
    [property: JsonPropertyName("correct")] bool Correct,
    [property: JsonPropertyName("tokens")] int GeneratedTokens,
    [property: JsonPropertyName("mean_logprob")] double MeanLogProb,
    [property: JsonPropertyName("wall_ms")] double WallMs = 0);
