using System.Text.Json;

namespace InferenceScaling.Server;

/// <summary>
/// Reads the <c>budget</c> field through <see cref="BudgetGrammar"/>, within <see cref="ServerOptions.BudgetLimits"/>:
/// a preset or budget text (<c>"balanced"</c>, <c>"samples=8,deadline=2s"</c>), a knob number in [0, 1], or an
/// object whose fields are the grammar's settings (<c>{ "samples": 8, "deadline_ms": 2000, "confidence": null }</c>,
/// null meaning <c>none</c>) applied over <see cref="Budget.Balanced"/>. Text and object take the same keys and caps.
/// </summary>
internal static class BudgetReader
{
    public static Budget Read(JsonElement? value, ServerOptions options, string param = "budget")
    {
        if (value is not { } v || v.ValueKind == JsonValueKind.Null) return options.DefaultBudget;
        var limits = options.BudgetLimits;
        Budget budget;
        switch (v.ValueKind)
        {
            case JsonValueKind.String:
                if (!BudgetGrammar.TryParse(RequestBody.GetString(v, param), limits, out budget, out var error))
                    throw ApiException.BadRequest(error, param, "invalid_budget");
                return budget;
            case JsonValueKind.Number:
                if (!v.TryGetDouble(out var knob) || !(knob is >= 0 and <= 1))
                    throw ApiException.BadRequest($"A numeric '{param}' is a knob in [0, 1]; got {v.GetRawText()}.", param, "invalid_budget");
                budget = Budget.FromKnob(knob);
                break;
            case JsonValueKind.Object:
                budget = Budget.Balanced;
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var p in v.EnumerateObject())
                {
                    var at = $"{param}.{p.Name}";
                    if (!seen.Add(p.Name)) throw ApiException.BadRequest($"'{at}' appears more than once.", at, "duplicate_field");
                    var text = p.Value.ValueKind switch
                    {
                        JsonValueKind.Null => null,
                        JsonValueKind.Number => p.Value.GetRawText(),
                        JsonValueKind.String => RequestBody.GetString(p.Value, at),
                        _ => throw RequestBody.WrongType(at, "a number, a string or null", p.Value),
                    };
                    if (!IsKey(p.Name))
                        throw ApiException.BadRequest($"Unknown field '{at}'. Known fields: {string.Join(", ", BudgetGrammar.Keys)}.", at, "unknown_field");
                    if (!BudgetGrammar.TrySet(ref budget, p.Name, text, limits, out var why))
                        throw ApiException.BadRequest($"'{at}': {why}", at);
                }

                break;
            default:
                throw RequestBody.WrongType(param, "a preset name, a knob number or an object", v);
        }

        if (!BudgetGrammar.TryValidate(budget, limits, out var key, out var invalid))
            throw ApiException.BadRequest(invalid, key is null ? param : $"{param}.{key}", "invalid_budget");
        return budget;
    }

    /// <summary>Object keys are exact (JSON is case-sensitive); the grammar also reads <c>verifications</c>.</summary>
    private static bool IsKey(string name) => name == "verifications" || BudgetGrammar.Keys.Contains(name, StringComparer.Ordinal);
}
