using System.Globalization;
using System.Numerics;
using InferenceScaling.Answers;

namespace InferenceScaling.Tools;

/// <summary>
/// A safe calculator: exact rational arithmetic over <c>+ - * /</c> (also <c>− × ÷</c>), powers (<c>^</c> or <c>**</c>,
/// integer exponents, right-associative), unary signs and parentheses, on decimal literals (<c>12</c>, <c>3.5</c>).
/// It parses and evaluates only: no names, no functions, no code, no I/O. Expression length, literal size, nesting and
/// the size of every value are bounded (<see cref="CalculatorOptions"/>), so any input costs little.
/// </summary>
/// <remarks>
/// Never throws for a bad expression: <see cref="Evaluate"/> returns an error result whose text names the problem (the
/// text a tool call writes back into the trace). Thread-safe: it holds only its options.
/// </remarks>
internal sealed class Calculator
{
    private readonly CalculatorOptions _options;

    /// <summary>Creates a calculator with <paramref name="options"/> (default <see cref="CalculatorOptions.Default"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A limit is not positive.</exception>
    public Calculator(CalculatorOptions? options = null)
    {
        _options = options ?? CalculatorOptions.Default;
        _options.Validate();
    }

    /// <summary>A calculator with the default limits.</summary>
    public static Calculator Default { get; } = new();

    /// <summary>Evaluates <paramref name="expression"/> exactly.</summary>
    /// <param name="expression">For example <c>521+9</c>, <c>(3 - 5) * 2^10 / 6</c>.</param>
    /// <returns>The value as text, or an error result; never throws for a bad expression.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="expression"/> is null.</exception>
    public CalculatorResult Evaluate(string expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        if (expression.Length > _options.MaxExpressionLength)
            return Error($"expression too long ({expression.Length} characters, at most {_options.MaxExpressionLength})");
        var parser = new Parser(expression, _options);
        if (!parser.TryParse(out var value, out var error)) return Error(error!);
        return new CalculatorResult(false, Format(value));
    }

    /// <summary>An integer, else a terminating decimal, else a fraction in lowest terms.</summary>
    internal static string Format(Rational value)
    {
        if (value.IsInteger) return value.Numerator.ToString(CultureInfo.InvariantCulture);
        // A denominator of the form 2^a·5^b terminates after max(a, b) decimal places.
        var d = value.Denominator;
        int twos = 0, fives = 0;
        while (d.IsEven) { d /= 2; twos++; }
        while ((d % 5).IsZero) { d /= 5; fives++; }
        if (!d.IsOne) return value.ToString();
        var places = Math.Max(twos, fives);
        var scaled = BigInteger.Abs(value.Numerator) * BigInteger.Pow(10, places) / value.Denominator;
        var digits = scaled.ToString(CultureInfo.InvariantCulture).PadLeft(places + 1, '0');
        var sign = value.Numerator.Sign < 0 ? "-" : "";
        return string.Concat(sign, digits.AsSpan(0, digits.Length - places), ".", digits.AsSpan(digits.Length - places));
    }

    private static CalculatorResult Error(string text) => new(true, text);

    /// <summary>Recursive descent over the grammar: sum := product (('+'|'-') product)*; product := unary (('*'|'/') unary)*; unary := ('+'|'-') unary | power; power := atom ('^' unary)?; atom := number | '(' sum ')'.</summary>
    private ref struct Parser(string text, CalculatorOptions options)
    {
        private readonly string _text = text;
        private readonly CalculatorOptions _options = options;
        private int _at;
        private int _depth;
        private string? _error;

        public bool TryParse(out Rational value, out string? error)
        {
            value = Rational.Zero;
            Skip();
            if (_at >= _text.Length)
            {
                error = "empty expression";
                return false;
            }

            var ok = Sum(out value);
            Skip();
            if (ok && _at < _text.Length) ok = Fail($"unexpected '{_text[_at]}' at {_at + 1}");
            error = _error;
            return ok;
        }

        private bool Sum(out Rational value)
        {
            if (!Product(out value)) return false;
            while (true)
            {
                Skip();
                if (_at >= _text.Length) return true;
                var c = _text[_at];
                if (c is not ('+' or '-' or '−')) return true;
                _at++;
                if (!Product(out var right)) return false;
                value = c == '+' ? value + right : value - right;
                if (!Bounded(value)) return false;
            }
        }

        private bool Product(out Rational value)
        {
            if (!Unary(out value)) return false;
            while (true)
            {
                Skip();
                if (_at >= _text.Length) return true;
                var c = _text[_at];
                var multiply = c is '*' or '×' or '·';
                if (!multiply && c is not ('/' or '÷')) return true;
                // "**" is a power, handled below a product.
                if (c == '*' && _at + 1 < _text.Length && _text[_at + 1] == '*') return true;
                _at++;
                if (!Unary(out var right)) return false;
                if (!multiply && right.IsZero) return Fail("division by zero");
                value = multiply ? value * right : value / right;
                if (!Bounded(value)) return false;
            }
        }

        private bool Unary(out Rational value)
        {
            value = Rational.Zero;
            Skip();
            if (_at < _text.Length && _text[_at] is '+' or '-' or '−')
            {
                var negate = _text[_at] != '+';
                _at++;
                if (!Enter()) return false;
                var ok = Unary(out value);
                _depth--;
                if (ok && negate) value = -value;
                return ok;
            }

            return Power(out value);
        }

        private bool Power(out Rational value)
        {
            if (!Atom(out value)) return false;
            Skip();
            if (_at >= _text.Length) return true;
            if (_text[_at] == '^') _at++;
            else if (_text[_at] == '*' && _at + 1 < _text.Length && _text[_at + 1] == '*') _at += 2;
            else return true;

            if (!Enter()) return false;
            var ok = Unary(out var exponent);
            _depth--;
            if (!ok) return false;
            if (!exponent.IsInteger) return Fail("exponent must be an integer");
            if (value.IsZero && exponent.Numerator.Sign < 0) return Fail("division by zero");
            var n = BigInteger.Abs(exponent.Numerator);
            // Refuse before computing: |value^n| needs about n × bits(value) bits.
            var bits = Math.Max(1, value.BitLength - 1);
            if (!value.IsZero && !(value.IsInteger && BigInteger.Abs(value.Numerator).IsOne) && n * bits > _options.MaxResultBits)
                return Fail($"result too large (more than {_options.MaxResultBits} bits)");
            Rational raised;
            if (value.IsZero) raised = n.IsZero ? Rational.One : Rational.Zero;
            else if (value.IsInteger && BigInteger.Abs(value.Numerator).IsOne) raised = n.IsEven ? Rational.One : value;
            else raised = Rational.Create(BigInteger.Pow(value.Numerator, (int)n), BigInteger.Pow(value.Denominator, (int)n));
            value = exponent.Numerator.Sign < 0 ? Rational.One / raised : raised;
            return Bounded(value);
        }

        private bool Atom(out Rational value)
        {
            value = Rational.Zero;
            Skip();
            if (_at >= _text.Length) return Fail("expression ends early");
            var c = _text[_at];
            if (c == '(')
            {
                _at++;
                if (!Enter()) return false;
                var ok = Sum(out value);
                _depth--;
                if (!ok) return false;
                Skip();
                if (_at >= _text.Length || _text[_at] != ')') return Fail("missing ')'");
                _at++;
                return true;
            }

            if (!char.IsAsciiDigit(c) && c != '.') return Fail($"unexpected '{c}' at {_at + 1}");
            var start = _at;
            var digits = 0;
            var dots = 0;
            while (_at < _text.Length && (char.IsAsciiDigit(_text[_at]) || _text[_at] == '.'))
            {
                if (_text[_at] == '.') dots++;
                else digits++;
                _at++;
            }

            if (dots > 1 || digits == 0) return Fail($"bad number '{_text[start.._at]}'");
            if (digits > _options.MaxOperandDigits) return Fail($"number too long ({digits} digits, at most {_options.MaxOperandDigits})");
            if (!Rational.TryParseDecimal(_text.AsSpan(start, _at - start), out value)) return Fail($"bad number '{_text[start.._at]}'");
            return Bounded(value);
        }

        private bool Enter()
        {
            if (++_depth <= _options.MaxDepth) return true;
            return Fail($"expression nested too deeply (at most {_options.MaxDepth})");
        }

        private bool Bounded(Rational value) =>
            value.BitLength <= _options.MaxResultBits || Fail($"result too large (more than {_options.MaxResultBits} bits)");

        private void Skip()
        {
            while (_at < _text.Length && char.IsWhiteSpace(_text[_at])) _at++;
        }

        private bool Fail(string error)
        {
            _error ??= error;
            return false;
        }
    }
}
