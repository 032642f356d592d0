using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.CompilerServices;
using InferenceScaling.Prompts;
using InferenceScaling.Verification;

namespace InferenceScaling.Solving;

/// <summary>
/// The checkers a prompt set can name (<see cref="CheckingProfile.Checker"/>), by name. Written critiques
/// (<see cref="CheckingProfile.CritiqueChecker"/>) are built in; a model package registers its own through
/// <see cref="SolverServices.RegisterChecker"/> (the arith assembly registers <c>step-scores</c>), so the core never
/// references a model's specifics. Thread-safe.
/// </summary>
internal static class CandidateCheckers
{
    private static readonly ConcurrentDictionary<string, Func<SolverServices, ICandidateChecker?>> Factories = new(StringComparer.Ordinal)
    {
        [CheckingProfile.CritiqueChecker] = Critique,
    };

    /// <summary>
    /// Registers (or replaces) the checker <paramref name="name"/> (<see cref="SolverServices.RegisterChecker"/>). The factory returns null when the checker cannot run
    /// with the services given (e.g. step scores without a scorer); the pipeline then checks with written critiques.
    /// </summary>
    /// <param name="name">The name prompt sets use in <c>checking.checker</c>.</param>
    /// <param name="factory">Makes the checker from the pipeline's services (called once per built pipeline; must do no I/O).</param>
    internal static void Register(string name, Func<SolverServices, ICandidateChecker?> factory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(factory);
        Factories[name] = factory;
    }

    /// <summary>
    /// Makes the checker <paramref name="name"/>; when it is not registered and <paramref name="provider"/> names an
    /// assembly, loads that assembly and runs its module initializer (where providers register) first.
    /// </summary>
    /// <returns>The checker, or null when its factory says it cannot run with these services.</returns>
    /// <exception cref="InvalidOperationException">No provider registers the name; the message names it and the provider.</exception>
    internal static ICandidateChecker? Create(string name, string? provider, SolverServices services)
    {
        if (!Factories.TryGetValue(name, out var factory) && provider is not null)
        {
            LoadProvider($"Checker '{name}'", provider);
            Factories.TryGetValue(name, out factory);
        }

        return factory is null
            ? throw new InvalidOperationException(
                $"Prompt set '{services.Prompts?.Name}' checks with '{name}'{(provider is null ? "" : $" from {provider}")}, which no loaded assembly registers (SolverServices.RegisterChecker). Known: {string.Join(", ", Factories.Keys.Order(StringComparer.Ordinal))}.")
            : factory(services);
    }

    /// <summary>Written critiques: a <see cref="SolutionChecker"/> with the services' <see cref="SolverServices.ResolveCheckOptions"/>.</summary>
    internal static ICandidateChecker Critique(SolverServices services) =>
        new SolutionChecker(services.Decoder, services.Prompts ?? throw new InvalidOperationException("Checks need a prompt set (SolverServices.Prompts)."), services.ResolveCheckOptions());

    /// <summary>Loads a provider assembly and runs its module initializer, where it registers its checkers and revision sources.</summary>
    /// <param name="what">What needs it, for the message (<c>Checker 'step-scores'</c>).</param>
    /// <param name="provider">The assembly's name.</param>
    /// <exception cref="InvalidOperationException">The assembly cannot be loaded.</exception>
    internal static void LoadProvider(string what, string provider)
    {
        Assembly assembly;
        try
        {
            assembly = Assembly.Load(provider);
        }
        catch (Exception ex) when (ex is FileNotFoundException or FileLoadException or BadImageFormatException)
        {
            throw new InvalidOperationException($"{what}: its provider assembly '{provider}' cannot be loaded: {ex.Message}", ex);
        }

        // Providers register from a module initializer; running it explicitly covers an assembly loaded but not yet touched.
        RuntimeHelpers.RunModuleConstructor(assembly.ManifestModule.ModuleHandle);
    }
}
