namespace InferenceScaling.Sampling;

/// <summary>One candidate token at one step, with its log-probability under the (temperature-free) model distribution.</summary>
/// <param name="TokenId">Vocabulary id.</param>
/// <param name="LogProb">Natural-log probability.</param>
public readonly record struct TokenLogProb(int TokenId, float LogProb);
