namespace InferenceScaling.Sampling;

/// <summary>A text to score after a prompt (see <see cref="IContinuationScorer"/>).</summary>
/// <param name="Prompt">The context, tokenized as a prompt (with the beginning-of-sequence token when the model uses one).</param>
/// <param name="Text">The continuation, tokenized on its own and appended.</param>
public sealed record Continuation(string Prompt, string Text);
