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

    /// <summary>
    /// Most verification checks of candidate answers after the vote (verifier stage): a count, honoured exactly (0, the
    /// default, turns verification off), or null for as many as the model's checking profile says —
    /// <see cref="Prompts.CheckingProfile.ChecksFor"/>(<see cref="MaxSamples"/>) of the pipeline's profile, resolved by
    /// the verification stage: every distinct candidate where checks are cheap (arith's step scores, one check per
    /// sample), one per four samples with written critiques. Written <c>verifications=auto</c>.
    /// </summary>
    public int? MaxVerifications
    {
        get => _checksFromProfile ? null : _checks;
        init
        {
            _checksFromProfile = value is null;
            _checks = value ?? 0;
        }
    }

    /// <summary>The explicit check count (0 when <see cref="_checksFromProfile"/>), so <c>default</c> means no checks.</summary>
    private readonly int _checks;

    /// <summary>Whether the checks are the checking profile's (<see cref="MaxVerifications"/> null).</summary>
    private readonly bool _checksFromProfile;

    /// <summary>The checks this budget allows under <paramref name="profile"/>: <see cref="MaxVerifications"/>, or the profile's count for <see cref="MaxSamples"/> when it is null.</summary>
    internal int VerificationsUnder(Prompts.CheckingProfile profile) => MaxVerifications ?? profile.ChecksFor(Math.Max(1, MaxSamples));

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
    /// <c>thorough</c>: up to 32 samples in waves of 8, stopping early at 0.99 posterior confidence; the checks the
    /// model's checking profile says (<see cref="MaxVerifications"/> null: every distinct candidate with cheap checks such
    /// as arith's step scores, 8 with written critiques) and 2 refinement rounds; no token cap or deadline.
    /// </summary>
    public static Budget Thorough { get; } = new()
    {
        MaxSamples = 32, WaveSize = 8, TargetConfidence = 0.99, MaxVerifications = null, MaxRefinementRounds = 2,
    };

    /// <summary>
    /// One scalar for sweeps, in [0, 1]; every field is non-decreasing in the knob. With k the knob:
    /// <list type="bullet">
    /// <item><see cref="MaxSamples"/> = round(64^k): 1 at 0, 8 at 0.5, 64 at 1 (4 at 1/3, 16 at 2/3, 32 at 5/6).</item>
    /// <item><see cref="TargetConfidence"/> = 1 − 0.5 × 10^(−1.5k): 0.5 at 0, 0.95 at 2/3, ≈ 0.984 at 1.</item>
    /// <item><see cref="WaveSize"/> = min(MaxSamples, 4), or 8 once MaxSamples ≥ 32.</item>
    /// <item><see cref="MaxVerifications"/> = 0 below 4 samples, else null: the checking profile's
    /// <see cref="Prompts.CheckingProfile.ChecksFor"/>(MaxSamples) (floor(MaxSamples / 4) with written critiques, every
    /// distinct candidate with cheap checks).</item>
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
            MaxVerifications = samples < 4 ? 0 : null,
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
        if (MaxVerifications is < 0) throw new ArgumentOutOfRangeException(nameof(MaxVerifications), MaxVerifications, "MaxVerifications must be ≥ 0 or null (as the checking profile says).");
        if (WaveSize < 0) throw new ArgumentOutOfRangeException(nameof(WaveSize), WaveSize, "WaveSize must be ≥ 0 (0 = automatic).");
        return this;
    }

    /// <summary>
    /// Reads a budget through <see cref="BudgetGrammar"/> within <see cref="BudgetLimits.Default"/>: a preset name
    /// (<c>fast</c>, <c>balanced</c>, <c>thorough</c>) or a knob in [0, 1], optionally followed by <c>key=value</c>
    /// settings (<c>samples=16,tokens=4000,deadline=5s,confidence=0.9,rounds=1,checks=auto</c>, <c>thorough,deadline=2s</c>).
    /// </summary>
    /// <param name="text">The text.</param>
    /// <returns>The validated budget.</returns>
    /// <exception cref="FormatException">A part is malformed; the message names the part.</exception>
    public static Budget Parse(string text) => BudgetGrammar.Parse(text);

    /// <summary>Like <see cref="Parse"/>, without throwing.</summary>
    /// <param name="text">The text.</param>
    /// <param name="budget">The budget read, or default.</param>
    /// <returns>Whether <paramref name="text"/> was a valid budget.</returns>
    public static bool TryParse([NotNullWhen(true)] string? text, out Budget budget) => BudgetGrammar.TryParse(text, null, out budget, out _);

    /// <summary>Writes the budget as <c>key=value</c> settings that <see cref="Parse"/> reads back to an equal budget.</summary>
    /// <returns>For example <c>samples=16,tokens=none,deadline=none,confidence=0.95,rounds=0,verifications=0,wave=4</c>
    /// (<c>verifications=auto</c> when <see cref="MaxVerifications"/> is null).</returns>
    public override string ToString()
    {
        var sb = new StringBuilder();
        var ci = CultureInfo.InvariantCulture;
        sb.Append(ci, $"samples={MaxSamples}");
        sb.Append(",tokens=").Append(MaxGeneratedTokens is { } t ? t.ToString(ci) : "none");
        sb.Append(",deadline=").Append(Deadline is { } d ? d.TotalMilliseconds.ToString("R", ci) + "ms" : "none");
        sb.Append(",confidence=").Append(TargetConfidence is { } c ? c.ToString("R", ci) : "none");
        sb.Append(ci, $",rounds={MaxRefinementRounds},verifications=").Append(MaxVerifications is { } v ? v.ToString(ci) : "auto");
        sb.Append(ci, $",wave={WaveSize}");
        return sb.ToString();
    }
}
