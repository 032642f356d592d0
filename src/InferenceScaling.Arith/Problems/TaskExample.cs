namespace InferenceScaling.Arith;

/// <summary>One training or evaluation example: a prompt and the completion the model should write.</summary>
/// <param name="Task">Which skill it exercises.</param>
/// <param name="ProblemId">The problem it was made from.</param>
/// <param name="Prompt">Text the model is given.</param>
/// <param name="Completion">Text the model should produce (without the end-of-text token).</param>
/// <param name="Answer">The problem's correct final answer.</param>
/// <param name="ErrorStep">For check/fix examples built on a flawed solution, the 1-based step holding the planted error; otherwise null.</param>
public sealed record TaskExample(TaskKind Task, string ProblemId, string Prompt, string Completion, long Answer, int? ErrorStep);
