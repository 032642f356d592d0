namespace InferenceScaling.Refinement;

/// <summary>
/// The implementations of the <see cref="RevisionSource"/>s a prompt set names: <see cref="RevisionSource.RevisePrompt"/>
/// is built in; a provider assembly registers the others from its module initializer (InferenceScaling.Arith registers
/// <see cref="RevisionSource.ContinueFromCheckedSteps"/>). Thread-safe.
/// </summary>
internal static class RevisionSources
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<RevisionSource, IRevisionSource> Sources = new()
    {
        [RevisionSource.RevisePrompt] = RevisePromptSource.Instance,
    };

    /// <summary>Registers (or replaces) the implementation of <paramref name="source"/>.</summary>
    /// <param name="source">The source's name.</param>
    /// <param name="implementation">Its implementation.</param>
    internal static void Register(RevisionSource source, IRevisionSource implementation)
    {
        ArgumentNullException.ThrowIfNull(implementation);
        Sources[source] = implementation;
    }

    /// <summary>The implementation of <paramref name="source"/>.</summary>
    /// <exception cref="InvalidOperationException">No loaded assembly registers it.</exception>
    internal static IRevisionSource Resolve(RevisionSource source) =>
        Sources.TryGetValue(source, out var s)
            ? s
            : throw new InvalidOperationException($"Revision source {source} is not registered: it comes with InferenceScaling.Arith (load it, or call ArithProfile.Register).");
}
