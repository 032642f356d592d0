using System.Numerics;
using System.Text;

namespace InferenceScaling.Answers;

/// <summary>
/// An exact real number written as a sum of <see cref="SurdTerm"/>s (rationals, square roots and powers of π), with like
/// terms combined and terms sorted, so that equal values written differently (<c>\sqrt{8}</c>, <c>2\sqrt2</c>) get the
/// same <see cref="ToString"/>. Operations that would leave this form, or grow past the size limits, return null.
/// </summary>
internal sealed class ExactNumber
{
    /// <summary>The most terms a value may have; more means the answer is not a "simple" closed form.</summary>
    internal const int MaxTerms = 16;

    /// <summary>The largest numerator or denominator, in bits; bounds the cost of every operation.</summary>
    internal const int MaxBits = 8192;

    /// <summary>The largest |power of π| kept.</summary>
    internal const int MaxPiPower = 16;

    /// <summary>The largest radicand whose square factors are taken out; bounds the trial division.</summary>
    private const long MaxRadicand = 1_000_000_000_000_000;

    /// <summary>Zero (no terms).</summary>
    public static readonly ExactNumber Zero = new([]);

    /// <summary>π.</summary>
    public static readonly ExactNumber Pi = new([new SurdTerm(Rational.One, BigInteger.One, 1)]);

    /// <summary>The terms: non-zero coefficients, distinct (radicand, π power) pairs, sorted by π power then radicand.</summary>
    private readonly SurdTerm[] _terms;

    private ExactNumber(SurdTerm[] terms) => _terms = terms;

    /// <summary>True when the value is a plain rational.</summary>
    public bool IsRational => _terms.Length == 0 || (_terms.Length == 1 && _terms[0].Radicand.IsOne && _terms[0].PiPower == 0);

    /// <summary>The rational value when <see cref="IsRational"/>.</summary>
    public Rational AsRational => _terms.Length == 0 ? Rational.Zero : _terms[0].Coefficient;

    /// <summary>A rational value.</summary>
    public static ExactNumber FromRational(Rational value) =>
        value.IsZero ? Zero : new([new SurdTerm(value, BigInteger.One, 0)]);

    /// <summary>The sum, or null when it has too many terms.</summary>
    public ExactNumber? Add(ExactNumber other)
    {
        var all = new List<SurdTerm>(_terms.Length + other._terms.Length);
        all.AddRange(_terms);
        all.AddRange(other._terms);
        return Combine(all);
    }

    /// <summary>The negation.</summary>
    public ExactNumber Negate()
    {
        var terms = new SurdTerm[_terms.Length];
        for (var i = 0; i < terms.Length; i++) terms[i] = _terms[i] with { Coefficient = -_terms[i].Coefficient };
        return new ExactNumber(terms);
    }

    /// <summary>The product, or null when it leaves the representable form or the size limits.</summary>
    public ExactNumber? Multiply(ExactNumber other)
    {
        if (_terms.Length * other._terms.Length > MaxTerms * MaxTerms) return null;
        var all = new List<SurdTerm>(_terms.Length * other._terms.Length);
        foreach (var a in _terms)
        {
            foreach (var b in other._terms)
            {
                var product = MultiplyTerms(a, b);
                if (product is null) return null;
                all.Add(product.Value);
            }
        }

        return Combine(all);
    }

    /// <summary>
    /// The quotient, or null for division by zero or by a divisor this form cannot invert exactly. Single-term divisors
    /// and <c>a + b√r</c> (rationalized with the conjugate) are supported.
    /// </summary>
    public ExactNumber? Divide(ExactNumber divisor)
    {
        var inverse = divisor.Invert();
        return inverse is null ? null : Multiply(inverse);
    }

    /// <summary>This value to an integer power (|n| ≤ 256), or null when it cannot be computed within the limits.</summary>
    public ExactNumber? Pow(BigInteger exponent)
    {
        if (BigInteger.Abs(exponent) > 256) return null;
        var n = (int)exponent;
        if (n == 0) return _terms.Length == 0 ? null : FromRational(Rational.One);
        var baseValue = n < 0 ? Invert() : this;
        if (baseValue is null) return null;
        ExactNumber? result = FromRational(Rational.One);
        for (var i = 0; i < Math.Abs(n) && result is not null; i++) result = result.Multiply(baseValue);
        return result;
    }

    /// <summary>The principal square root of a non-negative rational, or null for anything else.</summary>
    public ExactNumber? Sqrt()
    {
        if (!IsRational) return null;
        var value = AsRational;
        if (value.IsZero) return Zero;
        if (value.Numerator.Sign < 0) return null;

        // √(a/b) = √(a·b)/b keeps the radicand an integer.
        var radicand = value.Numerator * value.Denominator;
        if (radicand > MaxRadicand) return null;
        var (square, free) = SplitSquareFactor((long)radicand);
        var coefficient = Rational.Create(square, value.Denominator);
        return new ExactNumber([new SurdTerm(coefficient, free, 0)]);
    }

    /// <summary>
    /// The canonical text, e.g. <c>57</c>, <c>-1/2</c>, <c>2*sqrt(2)</c>, <c>1/2*pi</c>, <c>1+sqrt(5)</c>: equal values
    /// always give equal text.
    /// </summary>
    public override string ToString()
    {
        if (_terms.Length == 0) return "0";
        var sb = new StringBuilder();
        foreach (var term in _terms)
        {
            var c = term.Coefficient;
            var symbolic = !term.Radicand.IsOne || term.PiPower != 0;
            if (sb.Length > 0 && c.Numerator.Sign > 0) sb.Append('+');
            if (!symbolic) sb.Append(c.ToString());
            else if (c == Rational.One) { }
            else if (c == -Rational.One) sb.Append('-');
            else sb.Append(c.ToString()).Append('*');

            if (!term.Radicand.IsOne) sb.Append("sqrt(").Append(term.Radicand.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(')');
            if (term.PiPower != 0)
            {
                if (!term.Radicand.IsOne) sb.Append('*');
                sb.Append("pi");
                if (term.PiPower != 1) sb.Append('^').Append(term.PiPower.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return sb.ToString();
    }

    private ExactNumber? Invert()
    {
        if (_terms.Length == 1)
        {
            // 1/(c·√r·π^p) = (1/(c·r))·√r·π^(-p)
            var t = _terms[0];
            var coefficient = Rational.One / (t.Coefficient * Rational.FromInteger(t.Radicand));
            return coefficient.BitLength > MaxBits ? null : new ExactNumber([new SurdTerm(coefficient, t.Radicand, -t.PiPower)]);
        }

        if (_terms.Length == 2 && _terms[0].PiPower == 0 && _terms[1].PiPower == 0 && _terms[0].Radicand.IsOne)
        {
            // 1/(a + b√r) = (a − b√r)/(a² − b²r); the denominator is non-zero because √r is irrational.
            var a = _terms[0].Coefficient;
            var b = _terms[1].Coefficient;
            var r = Rational.FromInteger(_terms[1].Radicand);
            var denominator = a * a - b * b * r;
            var conjugate = new ExactNumber([new SurdTerm(a / denominator, BigInteger.One, 0), new SurdTerm(-b / denominator, _terms[1].Radicand, 0)]);
            return conjugate._terms.Any(x => x.Coefficient.BitLength > MaxBits) ? null : conjugate;
        }

        return null;
    }

    private static SurdTerm? MultiplyTerms(SurdTerm a, SurdTerm b)
    {
        var piPower = a.PiPower + b.PiPower;
        if (Math.Abs(piPower) > MaxPiPower) return null;

        // Both radicands are square-free, so √r1·√r2 = g·√((r1/g)(r2/g)) with g = gcd(r1, r2), and the new radicand is square-free.
        var g = BigInteger.GreatestCommonDivisor(a.Radicand, b.Radicand);
        var radicand = a.Radicand / g * (b.Radicand / g);
        var coefficient = a.Coefficient * b.Coefficient * Rational.FromInteger(g);
        if (coefficient.BitLength > MaxBits || radicand.GetBitLength() > MaxBits) return null;
        return new SurdTerm(coefficient, radicand, piPower);
    }

    private static ExactNumber? Combine(List<SurdTerm> terms)
    {
        terms.Sort(static (x, y) => x.PiPower != y.PiPower ? x.PiPower.CompareTo(y.PiPower) : x.Radicand.CompareTo(y.Radicand));
        var merged = new List<SurdTerm>(terms.Count);
        foreach (var term in terms)
        {
            if (merged.Count > 0 && merged[^1].PiPower == term.PiPower && merged[^1].Radicand == term.Radicand)
            {
                var sum = merged[^1].Coefficient + term.Coefficient;
                if (sum.BitLength > MaxBits) return null;
                merged[^1] = merged[^1] with { Coefficient = sum };
            }
            else
            {
                merged.Add(term);
            }
        }

        merged.RemoveAll(static t => t.Coefficient.IsZero);
        return merged.Count > MaxTerms ? null : new ExactNumber([.. merged]);
    }

    /// <summary>
    /// Splits n into s²·f with f square-free. Trial division runs only up to ∛n: what is left then has at most two prime
    /// factors, so it is either a perfect square or square-free.
    /// </summary>
    private static (long Square, long Free) SplitSquareFactor(long n)
    {
        long square = 1, free = 1;
        for (long d = 2; d * d * d <= n; d++)
        {
            if (n % d != 0) continue;
            var count = 0;
            while (n % d == 0)
            {
                n /= d;
                count++;
            }

            for (var i = 0; i < count / 2; i++) square *= d;
            if (count % 2 == 1) free *= d;
        }

        var root = (long)Math.Sqrt(n);
        while (root * root > n) root--;
        while ((root + 1) * (root + 1) <= n) root++;
        if (root > 1 && root * root == n) square *= root;
        else free *= n;
        return (square, free);
    }
}
