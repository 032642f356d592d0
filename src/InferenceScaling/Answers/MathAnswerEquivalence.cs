namespace InferenceScaling.Answers;

/// <summary>
/// Math-aware answer equivalence: two answers are equivalent exactly when their <see cref="CanonicalKey"/>s are equal.
/// </summary>
/// <remarks>
/// <para>
/// Numbers are compared exactly (rationals over <see cref="System.Numerics.BigInteger"/>, so <c>0.1</c> is 1/10), including
/// simple closed forms: sums of rational multiples of square roots and powers of π (<c>\sqrt{8}</c> ≡ <c>2\sqrt2</c>,
/// <c>\frac{\pi}{2}</c> ≡ <c>0.5\pi</c>). Recognized notation: thousands separators (<c>1,234</c>), decimals, signs
/// (including the Unicode minus), <c>a/b</c>, <c>\frac</c>/<c>\dfrac</c>/<c>\tfrac</c> (also <c>\frac12</c>), mixed numbers
/// with a proper fraction (<c>1 1/2</c>, <c>1\frac{1}{2}</c>), <c>\sqrt</c>, <c>\pi</c>, <c>^</c> with integer exponents,
/// math delimiters, <c>\left</c>/<c>\right</c>, spacing commands, <c>\text{}</c>, and a leading <c>x =</c>.
/// </para>
/// <para>
/// Deliberate policies: a percent sign is dropped, as in the MATH grader (<c>50\%</c> ≡ <c>50</c>, but not ≡ <c>0.5</c>);
/// currency signs and degree marks are dropped (<c>\$5.00</c> ≡ <c>5</c>, <c>30^\circ</c> ≡ <c>30</c>); words after a number
/// and a space are read as units and dropped (<c>5 apples</c> ≡ <c>5 \text{ cm}</c> ≡ <c>5</c>), but letters touching a
/// number are not (<c>2x</c> stays an expression). Tuples and intervals keep order and brackets (<c>(1,2)</c> ≢
/// <c>(2,1)</c> ≢ <c>[1,2)</c>); sets <c>\{1,2\}</c> and bare lists <c>1, 2</c> are unordered and ignore repeats.
/// Anything else is compared as text with spaces removed (plain words without case); multiple-choice letters
/// <c>(A)</c> and <c>A</c> are equal.
/// </para>
/// <para>
/// Bounded: inputs over 1,000 characters are compared as trimmed text; nesting, term counts, number sizes and
/// exponents are capped, so every call finishes quickly on any input and never throws for malformed text.
/// Thread-safe: the type holds no mutable state.
/// </para>
/// </remarks>
public sealed class MathAnswerEquivalence : IAnswerEquivalence
{
    /// <summary>A shared instance; the type is stateless, so one instance serves every thread.</summary>
    public static MathAnswerEquivalence Instance { get; } = new();

    /// <summary>
    /// The canonical form of <paramref name="answer"/>: <c>57</c>, <c>-1/2</c>, <c>2*sqrt(2)</c>, <c>1/2*pi</c>,
    /// <c>(1,2)</c>, <c>{1,2}</c>, or the compacted text when the answer is not recognized.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="answer"/> is null.</exception>
    public string CanonicalKey(string answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        return CanonicalAnswerForm.Compute(answer);
    }

    /// <summary>True when both answers have the same <see cref="CanonicalKey"/>.</summary>
    /// <exception cref="ArgumentNullException">Either answer is null.</exception>
    public bool AreEquivalent(string left, string right)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        return string.Equals(CanonicalKey(left), CanonicalKey(right), StringComparison.Ordinal);
    }
}
