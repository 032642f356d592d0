using System.Text.Json.Serialization;

namespace InferenceScaling.Evaluation;

/// <summary>
/// What one strategy at one budget scored on one problem. Values are expectations where the strategy is evaluated from
/// a pool (e.g. maj@k over all subsets), so a score may be fractional.
/// </summary>
/// <param name="Strategy">Strategy name, e.g. <c>sc</c>.</param>
/// <param name="Budget">The budget it ran under (samples for self-consistency).</param>
/// <param name="Score">Expected correctness in [0, 1].</param>
/// <param name="GeneratedTokens">Expected generated tokens spent.</param>
/// <param name="WallMs">Expected wall time in milliseconds.</param>
/// <param name="Samples">Expected number of samples used (below <paramref name="Budget"/> for strategies that stop early).</param>
public sealed record SweepOutcome(
    [property: JsonPropertyName("strategy")] string Strategy,
    [property: JsonPropertyName("budget")] int Budget,
    [property: JsonPropertyName("score")] double Score,
    [property: JsonPropertyName("tokens")] double GeneratedTokens,
    [property: JsonPropertyName("wall_ms")] double WallMs,
    [property: JsonPropertyName("samples")] double Samples);
