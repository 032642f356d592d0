using System.Text.Json.Serialization;

namespace InferenceScaling.Evaluation;

/// <summary>One sampled trace of a sweep, reduced to what the summary and later analysis need (a line of <c>per-problem.jsonl</c>).</summary>
/// <param name="AnswerKey">Canonical answer key (<see cref="Answers.IAnswerEquivalence.CanonicalKey"/>), or null when no answer was extracted.</param>
/// <param name="Correct">Whether the answer is equivalent to the gold answer.</param>
/// <param name="GeneratedTokens">Tokens the trace generated.</param>
/// <param name="MeanLogProb">Mean log-probability per generated token.</param>
/// <param name="WallMs">Wall time attributed to this trace in milliseconds (its batch's time divided among its rows, or 0 when unknown).</param>
/// <param name="Answer">The answer as the trace wrote it, when it casts a vote (else null).</param>
/// <param name="Finish">Why the trace stopped (<see cref="Sampling.FinishReason"/> name), or null when not recorded.</param>
/// <param name="MinLogProb">The lowest log-probability of any generated token (0 for an empty trace).</param>
/// <param name="InjectedTokens">Tokens tools injected into the trace (apart from <paramref name="GeneratedTokens"/>).</param>
public sealed record SweepTrace(
    [property: JsonPropertyName("key")] string? AnswerKey,
    [property: JsonPropertyName("correct")] bool Correct,
    [property: JsonPropertyName("tokens")] int GeneratedTokens,
    [property: JsonPropertyName("mean_logprob")] double MeanLogProb,
    [property: JsonPropertyName("wall_ms")] double WallMs = 0,
    [property: JsonPropertyName("answer")] string? Answer = null,
    [property: JsonPropertyName("finish")] string? Finish = null,
    [property: JsonPropertyName("min_logprob")] double MinLogProb = 0,
    [property: JsonPropertyName("injected")] int InjectedTokens = 0);
