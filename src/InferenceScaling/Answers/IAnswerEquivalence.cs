namespace InferenceScaling.Answers;

/// <summary>Decides whether two final answers are the same, so that votes for equal answers are pooled.</summary>
/// <remarks>Implementations must be thread-safe, deterministic, and finish in bounded time on any input.</remarks>
public interface IAnswerEquivalence
{
    /// <summary>
    /// A canonical form: answers with equal keys are equivalent (e.g. <c>1/2</c>, <c>0.5</c>, <c>\frac12</c> → the same key).
    /// Used to group votes; <see cref="AreEquivalent"/> may still merge answers whose keys differ.
    /// </summary>
    string CanonicalKey(string answer);

    /// <summary>True when <paramref name="left"/> and <paramref name="right"/> denote the same answer.</summary>
    bool AreEquivalent(string left, string right);
}
