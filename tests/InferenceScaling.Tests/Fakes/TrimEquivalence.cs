using InferenceScaling.Answers;

namespace InferenceScaling.Tests.Fakes;

/// <summary>
/// Test double: the key is the trimmed, lower-cased text; <see cref="AreEquivalent"/> also accepts the given alias
/// pairs (so tests can check that groups with different keys are merged).
/// </summary>
public sealed class TrimEquivalence(params (string, string)[] aliases) : IAnswerEquivalence
{
    public static TrimEquivalence Instance { get; } = new();

    public string CanonicalKey(string answer) => answer.Trim().ToLowerInvariant();

    public bool AreEquivalent(string left, string right)
    {
        var l = CanonicalKey(left);
        var r = CanonicalKey(right);
        if (l == r) return true;
        foreach (var (a, b) in aliases)
            if ((l == a && r == b) || (l == b && r == a)) return true;
        return false;
    }
}
