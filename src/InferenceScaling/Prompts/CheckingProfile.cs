using System.Globalization;
using System.Text.Json;
using InferenceScaling.Refinement;
using InferenceScaling.Verification;

namespace InferenceScaling.Prompts;

/// <summary>
/// What a model's prompt set says about checking its candidates (<c>checking</c> in <c>prompt-set.json</c>): which
/// checker judges them, how many candidates are worth checking, and the verification and refinement settings measured
/// for that checker. Data, not code: the solver builder reads it instead of testing checker types. Immutable.
/// </summary>
/// <remarks>
/// <para>A set without a <c>checking</c> section, or one whose checker cannot run here (no scorer for step scores),
/// gets <see cref="Default"/>: written critiques (<see cref="CritiqueChecker"/>), a check per four samples in sweeps,
/// and <see cref="VerificationOptions"/> / <see cref="RefinementOptions"/> defaults.</para>
/// <para>The fields: <c>checker</c> (a name registered with <see cref="Solving.SolverServices.RegisterChecker"/>; default
/// <c>critique</c>), <c>provider</c> (the assembly that registers it, loaded on demand), <c>checks_per_sample</c>
/// (in (0, 1]; 1 = every distinct candidate, for cheap checks), <c>unchecked_score</c> (in [0, 1]) and
/// <c>refinement</c> (<c>source</c>: a registered revision source, <c>revise-prompt</c> built in, <c>continue-from-checked-steps</c> from InferenceScaling.Arith; <c>confirmation</c>:
/// <c>critique</c>, <c>re-vote</c>, <c>improves</c>, joined with <c>+</c>; <c>revisions</c> ≥ 1;
/// <c>choose_by_check</c>). A bad value fails at load naming the field.</para>
/// </remarks>
public sealed record CheckingProfile
{
    /// <summary>The checker name of written critiques (the prompt set's critique template), built into the core.</summary>
    public const string CritiqueChecker = "critique";

    /// <summary>Written critiques with the library defaults: what a set without a <c>checking</c> section gets.</summary>
    public static CheckingProfile Default { get; } = new();

    /// <summary>The checker's registered name (<see cref="Solving.SolverServices.RegisterChecker"/>). Default <see cref="CritiqueChecker"/>.</summary>
    public string Checker { get; init; } = CritiqueChecker;

    /// <summary>The assembly that registers <see cref="Checker"/> (e.g. <c>InferenceScaling.Arith</c>), loaded when the name is not yet known; null for built-in checkers.</summary>
    public string? Provider { get; init; }

    /// <summary>
    /// Checks per sample that sweeps and presets budget for: 1 checks every distinct candidate (cheap checks such as
    /// step scores), 0.25 (default) one check per four samples (written critiques cost a generation each). In (0, 1].
    /// </summary>
    public double ChecksPerSample
    {
        get;
        init
        {
            if (!(value is > 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(ChecksPerSample), value, "ChecksPerSample must be in (0, 1].");
            field = value;
        }
    } = 0.25;

    /// <summary>True when every distinct candidate is worth a check (<see cref="ChecksPerSample"/> = 1).</summary>
    public bool ChecksEveryCandidate => ChecksPerSample >= 1;

    /// <summary>Verification settings for this checker (the set's <c>unchecked_score</c> over the defaults).</summary>
    public VerificationOptions Verification
    {
        get;
        init => field = value ?? throw new ArgumentNullException(nameof(Verification));
    } = new();

    /// <summary>Refinement settings for this checker (the set's <c>refinement</c> over the defaults).</summary>
    public RefinementOptions Refinement
    {
        get;
        init => field = value ?? throw new ArgumentNullException(nameof(Refinement));
    } = new();

    /// <summary>The checks to budget for <paramref name="samples"/> samples: max(1, ⌊samples × <see cref="ChecksPerSample"/>⌋).</summary>
    /// <param name="samples">The sample budget, at least 1.</param>
    public int ChecksFor(int samples)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(samples, 1);
        return Math.Max(1, (int)Math.Floor(samples * ChecksPerSample + 1e-9));
    }

    /// <summary>Reads a <c>checking</c> object of <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">A field of the wrong type or out of range; the message names it (<c>checking.refinement.revisions</c>).</exception>
    internal static CheckingProfile Parse(JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.Object) throw Bad(path, "checking", "must be an object");
        var profile = new CheckingProfile();
        foreach (var field in element.EnumerateObject())
        {
            var name = "checking." + field.Name;
            profile = field.Name switch
            {
                "checker" => profile with { Checker = Text(field.Value, path, name) },
                "provider" => profile with { Provider = Text(field.Value, path, name) },
                "checks_per_sample" => profile with { ChecksPerSample = Number(field.Value, path, name, 0, 1, lowerOpen: true) },
                "unchecked_score" => profile with { Verification = profile.Verification with { UncheckedScore = Number(field.Value, path, name, 0, 1, lowerOpen: false) } },
                "refinement" => profile with { Refinement = ParseRefinement(field.Value, path) },
                _ => throw Bad(path, name, "is not a known field (checker, provider, checks_per_sample, unchecked_score, refinement)"),
            };
        }

        // A revision source is a registered name; the provider the set names registers its own when it loads, so an
        // unknown name is caught here, at load, rather than at the first refinement.
        var source = profile.Refinement.Source;
        if (!RevisionSources.IsKnown(source) && profile.Provider is { } provider)
        {
            try
            {
                Solving.CandidateCheckers.LoadProvider($"Revision source '{source}'", provider);
            }
            catch (InvalidOperationException ex)
            {
                throw Bad(path, "checking.provider", $"'{provider}' cannot be loaded ({ex.InnerException?.Message ?? ex.Message})");
            }
        }

        if (!RevisionSources.IsKnown(source))
            throw Bad(path, "checking.refinement.source", $"'{source}' is not a registered revision source (known: {RevisionSources.Known})");
        return profile;
    }

    private static RefinementOptions ParseRefinement(JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.Object) throw Bad(path, "checking.refinement", "must be an object");
        var options = new RefinementOptions();
        foreach (var field in element.EnumerateObject())
        {
            var name = "checking.refinement." + field.Name;
            options = field.Name switch
            {
                "source" => options with { Source = Text(field.Value, path, name) },
                "confirmation" => options with { Confirmation = Confirmation(Text(field.Value, path, name), path, name) },
                "revisions" => options with
                {
                    RevisionsPerRound = field.Value.ValueKind == JsonValueKind.Number && field.Value.TryGetInt32(out var n) && n >= 1
                        ? n : throw Bad(path, name, "must be a whole number ≥ 1"),
                },
                "choose_by_check" => options with
                {
                    ChooseRevisionByCheck = field.Value.ValueKind is JsonValueKind.True or JsonValueKind.False
                        ? field.Value.GetBoolean() : throw Bad(path, name, "must be true or false"),
                },
                _ => throw Bad(path, name, "is not a known field (source, confirmation, revisions, choose_by_check)"),
            };
        }

        return options;
    }

    private static RevisionConfirmation Confirmation(string text, string path, string name)
    {
        RevisionConfirmation flags = 0;
        foreach (var part in text.Split('+', StringSplitOptions.TrimEntries))
        {
            flags |= part switch
            {
                "critique" => RevisionConfirmation.Critique,
                "re-vote" => RevisionConfirmation.ReVote,
                "improves" => RevisionConfirmation.Improves,
                _ => throw Bad(path, name, $"'{part}' is not a confirmation (critique, re-vote, improves, joined with +)"),
            };
        }

        return flags;
    }

    private static string Text(JsonElement value, string path, string name) =>
        value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } s ? s : throw Bad(path, name, "must be a non-empty string");

    private static double Number(JsonElement value, string path, string name, double min, double max, bool lowerOpen)
    {
        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var d) && (lowerOpen ? d > min : d >= min) && d <= max) return d;
        var range = string.Create(CultureInfo.InvariantCulture, $"{(lowerOpen ? "(" : "[")}{min}, {max}]");
        throw Bad(path, name, $"must be a number in {range}");
    }

    private static InvalidDataException Bad(string path, string name, string problem) => new($"{path}: {name} {problem}.");
}
