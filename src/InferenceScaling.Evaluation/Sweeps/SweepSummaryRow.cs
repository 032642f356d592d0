namespace InferenceScaling.Evaluation;

/// <summary>One strategy × budget line of <c>summary.csv</c>.</summary>
/// <param name="Strategy">Strategy name.</param>
/// <param name="Budget">Budget.</param>
/// <param name="Problems">Problems the row averages over.</param>
/// <param name="Accuracy">Mean score over problems with its bootstrap confidence interval.</param>
/// <param name="MeanGeneratedTokens">Mean generated tokens per problem.</param>
/// <param name="MeanWallMs">Mean wall time per problem in milliseconds.</param>
/// <param name="MeanSamples">Mean samples used per problem.</param>
public sealed record SweepSummaryRow(string Strategy, int Budget, int Problems, ConfidenceInterval Accuracy, double MeanGeneratedTokens, double MeanWallMs, double MeanSamples);
