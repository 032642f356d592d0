using InferenceScaling.Answers;

namespace InferenceScaling.Evaluation;

/// <summary>The verdict on one prediction against its gold answer.</summary>
/// <param name="Correct">True when the prediction's answer is equivalent to the gold answer.</param>
/// <param name="Gold">The gold answer as compared (read from a marker when the gold text is a whole solution).</param>
/// <param name="GoldNormalized">The canonical key of <paramref name="Gold"/>.</param>
/// <param name="Extracted">The prediction's answer as compared, or null when the prediction holds no answer.</param>
/// <param name="ExtractedFrom">The convention the answer was read from, or null when the prediction was taken whole as a bare answer (or holds none).</param>
/// <param name="PredictionNormalized">The canonical key of <paramref name="Extracted"/>, or null when there is none.</param>
public sealed record GradedAnswer(
    bool Correct,
    string Gold,
    string GoldNormalized,
    string? Extracted,
    AnswerSource? ExtractedFrom,
    string? PredictionNormalized);
