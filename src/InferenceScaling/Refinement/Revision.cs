using InferenceScaling.Sampling;

namespace InferenceScaling.Refinement;

/// <summary>One sampled revision of a solution.</summary>
/// <param name="Trace">What the model wrote after the revise prompt.</param>
/// <param name="Answer">The answer read from it, or null.</param>
/// <param name="AnswerKey">Its answer group key (shared with the original pool), or null when it holds no answer.</param>
public sealed record Revision(Trace Trace, string? Answer, string? AnswerKey);
