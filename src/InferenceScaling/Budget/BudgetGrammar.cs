using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace InferenceScaling;

/// <summary>
/// The one grammar of budgets. A budget is written as text — a preset or knob, then <c>key=value</c> settings
/// (<c>thorough,deadline=2s</c>, <c>samples=8,confidence=none</c>) — or as settings one at a time (the fields of a
/// JSON object); both go through <see cref="TrySet"/>, so they take the same keys and are held to the same
/// <see cref="BudgetLimits"/>.
/// </summary>
/// <remarks>
/// <para>Keys (case-insensitive): <c>samples</c> (whole number ≥ 1), <c>tokens</c> (≥ 1 or <c>none</c>),
/// <c>deadline</c> (<c>500ms</c>, <c>5s</c>, <c>2m</c>, <c>1h</c>, <c>hh:mm:ss</c> or <c>none</c>), <c>deadline_ms</c>
/// (milliseconds, &gt; 0, or <c>none</c>), <c>confidence</c> (in (0, 1] or <c>none</c>), <c>checks</c> (also spelled
/// <c>verifications</c>; ≥ 0, or <c>auto</c>: as the model's checking profile says, see
/// <see cref="Budget.MaxVerifications"/>), <c>rounds</c> (≥ 0), <c>wave</c> (≥ 0, 0 = automatic). A null value means <c>none</c>.
/// Settings without a preset start from <see cref="Budget.Balanced"/>; numbers use the invariant culture.</para>
/// <para>Every value is checked against the limits before it is converted, so no input overflows a
/// <see cref="TimeSpan"/> or an <see cref="int"/>; <see cref="TryValidate"/> then checks the whole budget (a preset can
/// exceed a service's sample cap).</para>
/// </remarks>
internal static class BudgetGrammar
{
    /// <summary>The keys a setting may have (<c>verifications</c> is also read, as <c>checks</c>).</summary>
    public static IReadOnlyList<string> Keys { get; } = ["samples", "tokens", "deadline", "deadline_ms", "confidence", "checks", "rounds", "wave"];

    /// <summary>Reads budget text (see the remarks) within <paramref name="limits"/>.</summary>
    /// <param name="text">The text.</param>
    /// <param name="limits">The caps; null for <see cref="BudgetLimits.Default"/>.</param>
    /// <returns>The validated budget.</returns>
    /// <exception cref="FormatException">A part is malformed or over a cap; the message names the part.</exception>
    public static Budget Parse(string text, BudgetLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, limits, out var budget, out var error) ? budget : throw new FormatException(error);
    }

    /// <summary>Like <see cref="Parse"/>, without throwing.</summary>
    /// <param name="text">The text.</param>
    /// <param name="limits">The caps; null for <see cref="BudgetLimits.Default"/>.</param>
    /// <param name="budget">The budget read, or default.</param>
    /// <param name="error">Why the text is not a budget (names the part), or empty.</param>
    /// <returns>Whether <paramref name="text"/> is a valid budget within the limits.</returns>
    public static bool TryParse([NotNullWhen(true)] string? text, BudgetLimits? limits, out Budget budget, out string error)
    {
        limits ??= BudgetLimits.Default;
        budget = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "A budget must not be empty: give fast, balanced, thorough, a knob in [0, 1], or settings like samples=16,confidence=0.9.";
            return false;
        }

        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var result = Budget.Balanced;
        for (var i = 0; i < parts.Length; i++)
        {
            var part = parts[i];
            if (part.Length == 0) { error = $"Empty part at position {i + 1} in budget '{text}'."; return false; }
            var eq = part.IndexOf('=');
            if (eq < 0)
            {
                if (i != 0) { error = $"Budget part '{part}' must be key=value (only the first part may be a preset or knob)."; return false; }
                if (!TryBase(part, out result, out error)) return false;
                continue;
            }

            if (!TrySet(ref result, part[..eq].Trim(), part[(eq + 1)..].Trim(), limits, out var why))
            {
                error = $"Bad budget part '{part}': {why}";
                return false;
            }
        }

        if (!TryValidate(result, limits, out _, out var invalid))
        {
            error = $"Invalid budget '{text}': {invalid}";
            return false;
        }

        budget = result;
        error = "";
        return true;
    }

    /// <summary>Applies one setting to <paramref name="budget"/>, or says why it cannot.</summary>
    /// <param name="budget">The budget to change; unchanged when the setting is refused.</param>
    /// <param name="key">One of <see cref="Keys"/> (or <c>verifications</c>), any case.</param>
    /// <param name="value">The value as written (a JSON number's raw text, a string), or null for <c>none</c>.</param>
    /// <param name="limits">The caps.</param>
    /// <param name="error">Why the setting is refused (without the key), or empty.</param>
    /// <returns>Whether the setting was applied.</returns>
    public static bool TrySet(ref Budget budget, string key, string? value, BudgetLimits limits, out string error)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(limits);
        error = "";
        var none = value is null || value.Equals("none", StringComparison.OrdinalIgnoreCase);
        value ??= "none";
        switch (key.ToLowerInvariant())
        {
            case "samples":
                if (!TryInt(value, 1, limits.MaxSamples, out var samples, out error)) return false;
                budget = budget with { MaxSamples = samples };
                return true;
            case "tokens":
                if (none) { budget = budget with { MaxGeneratedTokens = null }; return true; }
                if (!TryInt(value, 1, limits.MaxGeneratedTokens ?? int.MaxValue, out var tokens, out error)) return false;
                budget = budget with { MaxGeneratedTokens = tokens };
                return true;
            case "deadline":
                if (none) { budget = budget with { Deadline = null }; return true; }
                if (!TryDuration(value, limits.MaxDeadline, out var deadline))
                {
                    error = $"expected a positive duration up to {Describe(limits.MaxDeadline)} like 500ms, 5s, 2m, 1h or 00:00:05, or none; got '{value}'.";
                    return false;
                }

                budget = budget with { Deadline = deadline };
                return true;
            case "deadline_ms":
                if (none) { budget = budget with { Deadline = null }; return true; }
                if (!TryNumber(value, out var ms) || !(ms > 0) || ms > limits.MaxDeadline.TotalMilliseconds)
                {
                    error = $"expected milliseconds in (0, {limits.MaxDeadline.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)}], or none; got '{value}'.";
                    return false;
                }

                budget = budget with { Deadline = TimeSpan.FromMilliseconds(ms) };
                return true;
            case "confidence":
                if (none) { budget = budget with { TargetConfidence = null }; return true; }
                if (!TryNumber(value, out var c) || !(c > 0 && c <= 1))
                {
                    error = $"expected a number in (0, 1] or none; got '{value}'.";
                    return false;
                }

                budget = budget with { TargetConfidence = c };
                return true;
            case "checks" or "verifications":
                if (value.Equals("auto", StringComparison.OrdinalIgnoreCase)) { budget = budget with { MaxVerifications = null }; return true; }
                if (!TryInt(value, 0, limits.MaxChecks, out var checks, out _))
                {
                    error = $"expected a whole number in [0, {limits.MaxChecks}] or auto; got '{value}'.";
                    return false;
                }

                budget = budget with { MaxVerifications = checks };
                return true;
            case "rounds":
                if (!TryInt(value, 0, limits.MaxRounds, out var rounds, out error)) return false;
                budget = budget with { MaxRefinementRounds = rounds };
                return true;
            case "wave":
                if (!TryInt(value, 0, limits.MaxSamples, out var wave, out error)) return false;
                budget = budget with { WaveSize = wave };
                return true;
            default:
                error = $"unknown setting '{key}'; known: {string.Join(", ", Keys)}.";
                return false;
        }
    }

    /// <summary>Checks a whole budget: <see cref="Budget.Validate"/>, then the caps.</summary>
    /// <param name="budget">The budget.</param>
    /// <param name="limits">The caps.</param>
    /// <param name="key">The key of the setting at fault (one of <see cref="Keys"/>), or null.</param>
    /// <param name="error">Why the budget is refused, or empty.</param>
    /// <returns>Whether the budget is valid and within the limits.</returns>
    public static bool TryValidate(Budget budget, BudgetLimits limits, out string? key, out string error)
    {
        ArgumentNullException.ThrowIfNull(limits);
        var maxTokens = limits.MaxGeneratedTokens ?? int.MaxValue;
        (key, error) = budget switch
        {
            { MaxSamples: var s } when s < 1 || s > limits.MaxSamples => ("samples", $"samples must be in [1, {limits.MaxSamples}]; got {s}."),
            { MaxGeneratedTokens: { } t } when t < 1 || t > maxTokens => ("tokens", $"tokens must be in [1, {maxTokens}] or none; got {t}."),
            { Deadline: { } d } when d <= TimeSpan.Zero || d > limits.MaxDeadline => ("deadline", $"deadline must be positive and at most {Describe(limits.MaxDeadline)}."),
            { TargetConfidence: { } c } when !(c > 0 && c <= 1) => ("confidence", "confidence must be in (0, 1] or none."),
            { MaxVerifications: { } v } when v < 0 || v > limits.MaxChecks => ("checks", $"checks must be in [0, {limits.MaxChecks}] or auto; got {v}."),
            { MaxRefinementRounds: var r } when r < 0 || r > limits.MaxRounds => ("rounds", $"rounds must be in [0, {limits.MaxRounds}]; got {r}."),
            { WaveSize: var w } when w < 0 || w > limits.MaxSamples => ("wave", $"wave must be in [0, {limits.MaxSamples}]; got {w}."),
            _ => (null, ""),
        };
        return key is null;
    }

    private static bool TryBase(string part, out Budget result, out string error)
    {
        error = "";
        switch (part.ToLowerInvariant())
        {
            case "fast": result = Budget.Fast; return true;
            case "balanced": result = Budget.Balanced; return true;
            case "thorough": result = Budget.Thorough; return true;
        }

        if (TryNumber(part, out var knob))
        {
            if (knob is >= 0 and <= 1) { result = Budget.FromKnob(knob); return true; }
            result = default;
            error = $"Budget knob '{part}' must be in [0, 1].";
            return false;
        }

        result = default;
        error = $"Unknown budget '{part}': expected fast, balanced, thorough, a knob in [0, 1], or key=value settings.";
        return false;
    }

    private static bool TryNumber(string value, out double number) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out number) && double.IsFinite(number);

    private static bool TryInt(string value, int min, int max, out int result, out string error)
    {
        if (int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out result) && result >= min && result <= max)
        {
            error = "";
            return true;
        }

        error = $"expected a whole number in [{min}, {max}]; got '{value}'.";
        return false;
    }

    /// <summary>A duration with a unit, or <c>hh:mm:ss</c>; the number is checked against the cap before it becomes a <see cref="TimeSpan"/>.</summary>
    private static bool TryDuration(string value, TimeSpan max, out TimeSpan duration)
    {
        duration = default;
        var v = value.Trim().ToLowerInvariant();
        (string Suffix, double Scale)[] units = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000)];
        foreach (var (suffix, scale) in units)
        {
            if (!v.EndsWith(suffix, StringComparison.Ordinal)) continue;
            if (!TryNumber(v[..^suffix.Length], out var n) || !(n > 0)) return false;
            var ms = n * scale;
            if (!(ms > 0) || ms > max.TotalMilliseconds) return false;
            duration = TimeSpan.FromMilliseconds(ms);
            return true;
        }

        // Only the clock form: a bare number would read as days.
        return v.Contains(':', StringComparison.Ordinal) && TimeSpan.TryParse(v, CultureInfo.InvariantCulture, out duration)
            && duration > TimeSpan.Zero && duration <= max;
    }

    private static string Describe(TimeSpan span) =>
        span.TotalHours >= 1 && span.TotalHours == Math.Floor(span.TotalHours) ? $"{span.TotalHours.ToString(CultureInfo.InvariantCulture)}h"
        : $"{span.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)}ms";
}
