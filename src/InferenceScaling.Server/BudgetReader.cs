using System.Text.Json;

namespace InferenceScaling.Server;

/// <summary>
/// Reads the <c>budget</c> field: a preset or <see cref="Budget.Parse"/> text (<c>"balanced"</c>,
/// <c>"samples=8,deadline=2s"</c>), a knob number in [0, 1], or an object
/// <c>{ samples, tokens, deadline_ms, confidence, checks, rounds }</c> whose fields override <see cref="Budget.Balanced"/>
/// (<c>checks</c>: verification checks of the candidate answers; <c>rounds</c>: refinement rounds).
/// </summary>
internal static class BudgetReader
{
    public static Budget Read(JsonElement? value, ServerOptions options, string param = "budget")
    {
        if (value is not { } v) return options.DefaultBudget;
        Budget budget;
        switch (v.ValueKind)
        {
            case JsonValueKind.String:
                try
                {
                    budget = Budget.Parse(v.GetString()!);
                }
                catch (FormatException ex)
                {
                    throw ApiException.BadRequest(ex.Message, param, "invalid_budget");
                }

                break;
            case JsonValueKind.Number:
                if (!v.TryGetDouble(out var knob) || knob is < 0 or > 1)
                    throw ApiException.BadRequest($"A numeric '{param}' is a knob in [0, 1]; got {v.GetRawText()}.", param, "invalid_budget");
                budget = Budget.FromKnob(knob);
                break;
            case JsonValueKind.Object:
                budget = FromObject(v, options, param);
                break;
            default:
                throw JsonRequest.WrongType(param, "a preset name, a knob number or an object", v);
        }

        if (budget.MaxSamples > options.MaxSamplesPerRequest)
            throw ApiException.BadRequest($"The budget asks for {budget.MaxSamples} samples; this server allows at most {options.MaxSamplesPerRequest}.", $"{param}.samples", "invalid_budget");
        try
        {
            return budget.Validate();
        }
        catch (ArgumentOutOfRangeException ex)
        {
            throw ApiException.BadRequest(ex.Message, param, "invalid_budget");
        }
    }

    private static Budget FromObject(JsonElement v, ServerOptions options, string param)
    {
        JsonRequest.RejectUnknown(v, param, "samples", "tokens", "deadline_ms", "confidence", "checks", "rounds");
        var b = Budget.Balanced;
        if (JsonRequest.Integer(v, "samples", $"{param}.samples", 1, options.MaxSamplesPerRequest) is { } samples)
            b = b with { MaxSamples = (int)samples, WaveSize = Math.Min(b.WaveSize, (int)samples) };
        if (JsonRequest.Integer(v, "tokens", $"{param}.tokens", 1, int.MaxValue) is { } tokens) b = b with { MaxGeneratedTokens = (int)tokens };
        if (JsonRequest.Number(v, "deadline_ms", $"{param}.deadline_ms", 0, TimeSpan.FromHours(1).TotalMilliseconds, minExclusive: true) is { } ms)
            b = b with { Deadline = TimeSpan.FromMilliseconds(ms) };
        // An explicit null turns early stopping off (draw every sample).
        if (v.TryGetProperty("confidence", out var c) && c.ValueKind == JsonValueKind.Null) b = b with { TargetConfidence = null };
        else if (JsonRequest.Number(v, "confidence", $"{param}.confidence", 0, 1, minExclusive: true) is { } confidence) b = b with { TargetConfidence = confidence };
        if (JsonRequest.Integer(v, "checks", $"{param}.checks", 0, 64) is { } checks) b = b with { MaxVerifications = (int)checks };
        if (JsonRequest.Integer(v, "rounds", $"{param}.rounds", 0, 8) is { } rounds) b = b with { MaxRefinementRounds = (int)rounds };
        return b;
    }
}
