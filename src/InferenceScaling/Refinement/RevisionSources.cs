namespace InferenceScaling.Refinement;

/// <summary>
/// The <see cref="IRevisionSource"/>s by name, as a prompt set's <c>checking.refinement.source</c> and
/// <see cref="RefinementOptions.Source"/> name them: <see cref="RefinementOptions.RevisePrompt"/> is built in; a provider
/// assembly registers the others from its module initializer (InferenceScaling.Arith registers
/// <c>continue-from-checked-steps</c>). Thread-safe.
/// </summary>
internal static class RevisionSources
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, IRevisionSource> Sources = new(StringComparer.Ordinal)
    {
        [RefinementOptions.RevisePrompt] = RevisePromptSource.Instance,
    };

    /// <summary>Registers (or replaces) the implementation named <paramref name="name"/>.</summary>
    internal static void Register(string name, IRevisionSource implementation)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(implementation);
        Sources[name] = implementation;
    }

    /// <summary>Whether <paramref name="name"/> is registered.</summary>
    internal static bool IsKnown(string name) => Sources.ContainsKey(name);

    /// <summary>The registered names, sorted, for error messages.</summary>
    internal static string Known => string.Join(", ", Sources.Keys.Order(StringComparer.Ordinal));

    /// <summary>The implementation named <paramref name="name"/>.</summary>
    /// <exception cref="InvalidOperationException">No loaded assembly registers it; the message names it and the known ones.</exception>
    internal static IRevisionSource Resolve(string name) =>
        Sources.TryGetValue(name, out var s)
            ? s
            : throw new InvalidOperationException($"Revision source '{name}' is not registered (SolverServices.RegisterRevisionSource; a prompt set names the assembly that registers it in checking.provider). Known: {Known}.");
}
