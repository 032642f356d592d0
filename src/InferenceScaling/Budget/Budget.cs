using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace InferenceScaling;

/// <summary>
/// What one answer may cost: how many samples, how many generated tokens, how much wall-clock time, when to stop
/// early, and how much later stages (verification, refinement) may spend. An immutable value; copy with <c>with</c>.
/// </summary>
/// <remarks>
/// <para>Use a preset (<see cref="Fast"/>, <see cref="Balanced"/>, <see cref="Thorough"/>), one scalar for sweeps
/// (<see cref="FromKnob"/>), or text (<see cref="Parse"/>, which reads what <see cref="ToString"/> writes).</para>
/// <para><c>default(Budget)</c> is not valid (it allows zero samples); <see cref="Validate"/> says so.</para>
/// </remarks>
public readonly record struct Budget
{
    /// <summary>Most traces to draw. At least 1.</summary>
    public int MaxSamples { get; init; }

    /// <summary>
    /// Most tokens to generate over all traces together, or null for no cap. A wave is launched only when every one of
    /// its traces can reach its per-trace token limit within what is left, so the total is never exceeded.
    /// </summary>
    public int? MaxGeneratedTokens { get; init; }

    /// <summary>
    /// Wall-clock limit from the start of the call, or null for none. When it passes, running traces are cancelled and
    /// the best answer so far is returned with <see cref="StopReason.Deadline"/>.
    /// </summary>
    public TimeSpan? Deadline { get; init; }

    /// <summary>
    /// Stop sampling once the posterior probability that the leading answer stays ahead of the runner-up reaches this
    /// (Adaptive-Consistency), or a window of consecutive votes is unanimous (ESC). In (0, 1]. Null (the default):
    /// never stop early, draw all <see cref="MaxSamples"/>.
    /// </summary>
    public double? TargetConfidence { get; init; }

    /// <summary>Most critique-and-revise rounds after the vote (refinement stage). 0 turns refinement off.</summary>
    public int MaxRefinementRounds { get; init; }

    /// <summary>Most verification checks of candidate answers after the vote (verifier stage). 0 turns verification off.</summary>
    public int MaxVerifications { get; init; }

    /// <summary>
    /// Traces requested per wave of adaptive sampling. 0 (the default) means automatic: all <see cref="MaxSamples"/>
    /// at once when <see cref="TargetConfidence"/> is null, else <see cref="DefaultAdaptiveWaveSize"/>. See
    /// <see cref="EffectiveWaveSize"/>.
    /// </summary>
    public int WaveSize { get; init; }

    /// <summary>The wave size used when <see cref="WaveSize"/> is 0 and early stopping is on: 4.</summary>
    public const int DefaultAdaptiveWaveSize = 4;

    /// <summary>The wave size actually used: <see cref="WaveSize"/>, or the automatic choice, never above <see cref="MaxSamples"/>.</summary>
    public int EffectiveWaveSize =>
        Math.Max(1, Math.Min(MaxSamples, WaveSize > 0 ? WaveSize : TargetConfidence is null ? MaxSamples : DefaultAdaptiveWaveSize));

    /// <summary>Whether early stopping is on (<see cref="TargetConfidence"/> is set).</summary>
    public bool IsAdaptive => TargetConfidence is not null;

    /// <summary>
    /// <c>fast</c>: 4 samples in one wave, no early stop, no token cap or deadline, no verification or refinement
    /// (majority@4).
    /// </summary>
    public static Budget Fast { get; } = new() { MaxSamples = 4, WaveSize = 4 };

    /// <summary>
    /// <c>balanced</c> (the default): up to 16 samples in waves of 4, stopping early at 0.95 posterior confidence; no
    /// token cap or deadline, no verification or refinement.
    /// </summary>
    public static Budget Balanced { get; } = new() { MaxSamples = 16, WaveSize = 4, TargetConfidence = 0.95 };

    /// <summary>
    /// <c>thorough</c>: up to 32 samples in waves of 8, stopping early at 0.99 posterior confidence; up to 8
    /// verification checks and 2 refinement rounds; no token cap or deadline.
    /// </summary>
    public static Budget Thorough { get; } = new()
    {
        MaxSamples = 32, WaveSize = 8, TargetConfidence = 0.99, MaxVerifications = 8, MaxRefinementRounds = 2,
    };

    /// <summary>
    /// One scalar for sweeps, in [0, 1]; every field is non-decreasing in the knob. With k the knob:
    /// <list type="bullet">
    /// <item><see cref="MaxSamples"/> = round(64^k): 1 at 0, 8 at 0.5, 64 at 1 (4 at 1/3, 16 at 2/3, 32 at 5/6).</item>
    /// <item><see cref="TargetConfidence"/> = 1 − 0.5 × 10^(−1.5k): 0.5 at 0, 0.95 at 2/3, ≈ 0.984 at 1.</item>
    /// <item><see cref="WaveSize"/> = min(MaxSamples, 4), or 8 once MaxSamples ≥ 32.</item>
    /// <item><see cref="MaxVerifications"/> = floor(MaxSamples / 4).</item>
    /// <item><see cref="MaxRefinementRounds"/> = max(0, floor(4k) − 2): 0 below 0.75, 1 in [0.75, 1), 2 at 1.</item>
    /// <item><see cref="MaxGeneratedTokens"/> and <see cref="Deadline"/>: null (no cap).</item>
    /// </list>
    /// </summary>
    /// <param name="knob">The knob, in [0, 1].</param>
    /// <returns>The budget.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="knob"/> is not in [0, 1].</exception>
    public static Budget FromKnob(double knob)
    {
        if (!(knob >= 0 && knob <= 1)) throw new ArgumentOutOfRangeException(nameof(knob), knob, "The budget knob must be a number in [0, 1].");
        var samples = (int)Math.Round(Math.Pow(64, knob), MidpointRounding.AwayFromZero);
        return new Budget
        {
            MaxSamples = samples,
            TargetConfidence = 1 - 0.5 * Math.Pow(10, -1.5 * knob),
            WaveSize = samples >= 32 ? 8 : Math.Min(samples, 4),
            MaxVerifications = samples / 4,
            MaxRefinementRounds = Math.Max(0, (int)Math.Floor(4 * knob) - 2),
        };
    }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first bad field; returns the budget otherwise.</summary>
    /// <returns>This budget.</returns>
    public Budget Validate()
    {
        if (MaxSamples < 1) throw new ArgumentOutOfRangeException(nameof(MaxSamples), MaxSamples, "MaxSamples must be ≥ 1 (default(Budget) is not a valid budget; use Budget.Balanced).");
        if (MaxGeneratedTokens is < 1) throw new ArgumentOutOfRangeException(nameof(MaxGeneratedTokens), MaxGeneratedTokens, "MaxGeneratedTokens must be ≥ 1 or null.");
        if (Deadline is { } d && d <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(Deadline), Deadline, "Deadline must be positive or null.");
        if (TargetConfidence is { } t && !(t > 0 && t <= 1)) throw new ArgumentOutOfRangeException(nameof(TargetConfidence), TargetConfidence, "TargetConfidence must be in (0, 1] or null.");
        if (MaxRefinementRounds < 0) throw new ArgumentOutOfRangeException(nameof(MaxRefinementRounds), MaxRefinementRounds, "MaxRefinementRounds must be ≥ 0.");
        if (MaxVerifications < 0) throw new ArgumentOutOfRangeException(nameof(MaxVerifications), MaxVerifications, "MaxVerifications must be ≥ 0.");
        if (WaveSize < 0) throw new ArgumentOutOfRangeException(nameof(WaveSize), WaveSize, "WaveSize must be ≥ 0 (0 = automatic).");
        return this;
    }

    /// <summary>
    /// Reads a budget: a preset name (<c>fast</c>, <c>balanced</c>, <c>thorough</c>), a knob number in [0, 1]
    /// (<see cref="FromKnob"/>), or comma-separated <c>key=value</c> settings, optionally after a preset or knob:
    /// <c>samples=16,tokens=4000,deadline=5s,confidence=0.9,rounds=1</c>, or <c>thorough,deadline=2s</c>.
    /// Keys: <c>samples</c>, <c>tokens</c> (or <c>none</c>), <c>deadline</c> (<c>500ms</c>, <c>5s</c>, <c>2m</c>,
    /// <c>1h</c>, <c>hh:mm:ss</c>, or <c>none</c>), <c>confidence</c> (or <c>none</c>), <c>rounds</c>,
    /// <c>verifications</c>, <c>wave</c>. Settings without a preset start from <see cref="Balanced"/>. Case-insensitive,
    /// invariant culture.
    /// </summary>
    /// <param name="text">The text.</param>
    /// <returns>The validated budget.</returns>
    /// <exception cref="FormatException">A part is malformed; the message names the part.</exception>
    public static Budget Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParseCore(text, out var budget, out var error) ? budget : throw new FormatException(error);
    }

    /// <summary>Like <see cref="Parse"/>, without throwing.</summary>
    /// <param name="text">The text.</param>
    /// <param name="budget">The budget read, or default.</param>
    /// <returns>Whether <paramref name="text"/> was a valid budget.</returns>
    public static bool TryParse([NotNullWhen(true)] string? text, out Budget budget) => TryParseCore(text, out budget, out _);

    private static bool TryParseCore(string? text, out Budget budget, out string error)
    {
        budget = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "A budget must not be empty: give fast, balanced, thorough, a knob in [0, 1], or settings like samples=16,confidence=0.9.";
            return false;
        }

        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var result = Balanced;
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

            var key = part[..eq].Trim().ToLowerInvariant();
            var value = part[(eq + 1)..].Trim();
            if (!TrySet(ref result, key, value, out var why))
            {
                error = $"Bad budget part '{part}': {why}";
                return false;
            }
        }

        try
        {
            budget = result.Validate();
        }
        catch (ArgumentOutOfRangeException ex)
        {
            error = $"Invalid budget '{text}': {ex.Message}";
            return false;
        }

        error = "";
        return true;
    }

    private static bool TryBase(string part, out Budget result, out string error)
    {
        error = "";
        switch (part.ToLowerInvariant())
        {
            case "fast": result = Fast; return true;
            case "balanced": result = Balanced; return true;
            case "thorough": result = Thorough; return true;
        }

        if (double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out var knob))
        {
            if (knob is >= 0 and <= 1) { result = FromKnob(knob); return true; }
            result = default;
            error = $"Budget knob '{part}' must be in [0, 1].";
            return false;
        }

        result = default;
        error = $"Unknown budget '{part}': expected fast, balanced, thorough, a knob in [0, 1], or key=value settings.";
        return false;
    }

    private static bool TrySet(ref Budget b, string key, string value, out string why)
    {
        why = "";
        var none = value.Equals("none", StringComparison.OrdinalIgnoreCase);
        switch (key)
        {
            case "samples":
                if (!TryInt(value, 1, out var samples, out why)) return false;
                b = b with { MaxSamples = samples };
                return true;
            case "tokens":
                if (none) { b = b with { MaxGeneratedTokens = null }; return true; }
                if (!TryInt(value, 1, out var tokens, out why)) return false;
                b = b with { MaxGeneratedTokens = tokens };
                return true;
            case "deadline":
                if (none) { b = b with { Deadline = null }; return true; }
                if (!TryDuration(value, out var deadline)) { why = $"deadline must be a positive duration like 500ms, 5s, 2m, 1h or 00:00:05, or none; got '{value}'."; return false; }
                b = b with { Deadline = deadline };
                return true;
            case "confidence":
                if (none) { b = b with { TargetConfidence = null }; return true; }
                if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var c) || !(c > 0 && c <= 1))
                {
                    why = $"confidence must be a number in (0, 1] or none; got '{value}'.";
                    return false;
                }
                b = b with { TargetConfidence = c };
                return true;
            case "rounds":
                if (!TryInt(value, 0, out var rounds, out why)) return false;
                b = b with { MaxRefinementRounds = rounds };
                return true;
            case "verifications":
                if (!TryInt(value, 0, out var checks, out why)) return false;
                b = b with { MaxVerifications = checks };
                return true;
            case "wave":
                if (!TryInt(value, 0, out var wave, out why)) return false;
                b = b with { WaveSize = wave };
                return true;
            default:
                why = $"unknown setting '{key}'; known: samples, tokens, deadline, confidence, rounds, verifications, wave.";
                return false;
        }

        static bool TryInt(string value, int min, out int result, out string why)
        {
            if (int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out result) && result >= min)
            {
                why = "";
                return true;
            }

            why = $"expected a whole number ≥ {min}; got '{value}'.";
            return false;
        }
    }

    private static bool TryDuration(string value, out TimeSpan duration)
    {
        duration = default;
        var v = value.Trim().ToLowerInvariant();
        (string suffix, double scale)[] units = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000)];
        foreach (var (suffix, scale) in units)
        {
            if (!v.EndsWith(suffix, StringComparison.Ordinal)) continue;
            var number = v[..^suffix.Length];
            if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) || !(n > 0) || double.IsInfinity(n)) return false;
            duration = TimeSpan.FromMilliseconds(n * scale);
            return duration > TimeSpan.Zero;
        }

        return TimeSpan.TryParse(v, CultureInfo.InvariantCulture, out duration) && duration > TimeSpan.Zero;
    }

    /// <summary>Writes the budget as <c>key=value</c> settings that <see cref="Parse"/> reads back to an equal budget.</summary>
    /// <returns>For example <c>samples=16,tokens=none,deadline=none,confidence=0.95,rounds=0,verifications=0,wave=4</c>.</returns>
    public override string ToString()
    {
        var sb = new StringBuilder();
        var ci = CultureInfo.InvariantCulture;
        sb.Append(ci, $"samples={MaxSamples}");
        sb.Append(",tokens=").Append(MaxGeneratedTokens is { } t ? t.ToString(ci) : "none");
        sb.Append(",deadline=").Append(Deadline is { } d ? d.TotalMilliseconds.ToString("R", ci) + "ms" : "none");
        sb.Append(",confidence=").Append(TargetConfidence is { } c ? c.ToString("R", ci) : "none");
        sb.Append(ci, $",rounds={MaxRefinementRounds},verifications={MaxVerifications},wave={WaveSize}");
        return sb.ToString();
    }
}
