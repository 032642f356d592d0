namespace InferenceScaling.Answers;

/// <summary>A final answer read from a trace.</summary>
/// <param name="Text">The answer as written (trimmed), e.g. <c>\frac{1}{2}</c> or <c>57</c>.</param>
/// <param name="Source">The convention it was read from.</param>
public sealed record ExtractedAnswer(string Text, AnswerSource Source);
