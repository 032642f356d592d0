namespace InferenceScaling.Tools;

/// <summary>
/// Limits that keep <see cref="Calculator"/> cheap and bounded whatever a model writes. Immutable; validated when the
/// calculator is created.
/// </summary>
internal sealed record CalculatorOptions
{
    /// <summary>Longest expression accepted, in characters. Default 256.</summary>
    public int MaxExpressionLength { get; init; } = 256;

    /// <summary>Most digits in one number literal (integer and fraction digits together). Default 40.</summary>
    public int MaxOperandDigits { get; init; } = 40;

    /// <summary>
    /// Largest size of any value, the result and every intermediate one, in bits of its numerator or denominator
    /// (about 0.3 decimal digits per bit). Default 512 (~154 digits).
    /// </summary>
    public int MaxResultBits { get; init; } = 512;

    /// <summary>Deepest nesting of parentheses, signs and powers. Default 32.</summary>
    public int MaxDepth { get; init; } = 32;

    /// <summary>The defaults.</summary>
    public static CalculatorOptions Default { get; } = new();

    /// <summary>Throws when a limit is not positive.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A limit below 1, naming it.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxExpressionLength, 1, nameof(MaxExpressionLength));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxOperandDigits, 1, nameof(MaxOperandDigits));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxResultBits, 8, nameof(MaxResultBits));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxDepth, 1, nameof(MaxDepth));
    }
}
