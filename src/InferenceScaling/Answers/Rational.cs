using System.Globalization;
using System.Numerics;

namespace InferenceScaling.Answers;

/// <summary>An exact fraction in lowest terms with a positive denominator, so that equal values have equal fields.</summary>
internal readonly record struct Rational
{
    /// <summary>Zero.</summary>
    public static readonly Rational Zero = new(BigInteger.Zero, BigInteger.One);

    /// <summary>One.</summary>
    public static readonly Rational One = new(BigInteger.One, BigInteger.One);

    private Rational(BigInteger numerator, BigInteger denominator)
    {
        Numerator = numerator;
        Denominator = denominator;
    }

    /// <summary>The signed numerator.</summary>
    public BigInteger Numerator { get; }

    /// <summary>The denominator, always positive.</summary>
    public BigInteger Denominator { get; }

    /// <summary>True when the value is zero.</summary>
    public bool IsZero => Numerator.IsZero;

    /// <summary>True when the denominator is one.</summary>
    public bool IsInteger => Denominator.IsOne;

    /// <summary>The larger bit length of numerator and denominator, used to refuse values that grow without bound.</summary>
    public long BitLength => Math.Max(BigInteger.Abs(Numerator).GetBitLength(), Denominator.GetBitLength());

    /// <summary>Builds <paramref name="numerator"/>/<paramref name="denominator"/> in lowest terms.</summary>
    public static Rational Create(BigInteger numerator, BigInteger denominator)
    {
        if (denominator.IsZero) throw new DivideByZeroException();
        if (denominator.Sign < 0)
        {
            numerator = -numerator;
            denominator = -denominator;
        }

        var g = BigInteger.GreatestCommonDivisor(numerator, denominator);
        return g.IsOne || g.IsZero ? new Rational(numerator, denominator) : new Rational(numerator / g, denominator / g);
    }

    /// <summary>An integer value.</summary>
    public static Rational FromInteger(BigInteger value) => new(value, BigInteger.One);

    /// <summary>
    /// Parses an unsigned decimal literal (<c>12</c>, <c>3.50</c>, <c>.5</c>) exactly: <c>0.1</c> is 1/10, not a double.
    /// </summary>
    public static bool TryParseDecimal(ReadOnlySpan<char> text, out Rational value)
    {
        value = Zero;
        var dot = text.IndexOf('.');
        var whole = dot < 0 ? text : text[..dot];
        var fraction = dot < 0 ? [] : text[(dot + 1)..];
        if (whole.Length + fraction.Length == 0) return false;
        foreach (var c in whole) if (!char.IsAsciiDigit(c)) return false;
        foreach (var c in fraction) if (!char.IsAsciiDigit(c)) return false;
        var digits = string.Concat(whole, fraction);
        var numerator = BigInteger.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
        value = Create(numerator, BigInteger.Pow(10, fraction.Length));
        return true;
    }

    /// <summary>Sum.</summary>
    public static Rational operator +(Rational a, Rational b) =>
        Create(a.Numerator * b.Denominator + b.Numerator * a.Denominator, a.Denominator * b.Denominator);

    /// <summary>Difference.</summary>
    public static Rational operator -(Rational a, Rational b) => a + -b;

    /// <summary>Negation.</summary>
    public static Rational operator -(Rational a) => new(-a.Numerator, a.Denominator);

    /// <summary>Product.</summary>
    public static Rational operator *(Rational a, Rational b) =>
        Create(a.Numerator * b.Numerator, a.Denominator * b.Denominator);

    /// <summary>Quotient; throws <see cref="DivideByZeroException"/> when <paramref name="b"/> is zero.</summary>
    public static Rational operator /(Rational a, Rational b) =>
        Create(a.Numerator * b.Denominator, a.Denominator * b.Numerator);

    /// <summary><c>n</c> or <c>n/d</c>, invariant culture.</summary>
    public override string ToString() => IsInteger
        ? Numerator.ToString(CultureInfo.InvariantCulture)
        : string.Create(CultureInfo.InvariantCulture, $"{Numerator}/{Denominator}");
}
