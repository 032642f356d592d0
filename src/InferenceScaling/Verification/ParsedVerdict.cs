namespace InferenceScaling.Verification;

/// <summary>The verdict read from a check's text.</summary>
/// <param name="Kind">Correct, wrong, or none.</param>
/// <param name="WrongStep">The 1-based faulty step a "wrong" verdict names, when it names one; otherwise null.</param>
/// <param name="WordIndex">
/// Character index in the check text where the verdict word starts (the text after the verdict marker, e.g. the space
/// before <c>correct</c> in <c>Verdict: correct</c>): the position whose token probability scores the verdict. −1 for
/// <see cref="VerdictKind.None"/>.
/// </param>
public readonly record struct ParsedVerdict(VerdictKind Kind, int? WrongStep, int WordIndex)
{
    /// <summary>No verdict.</summary>
    public static ParsedVerdict None { get; } = new(VerdictKind.None, null, -1);
}
