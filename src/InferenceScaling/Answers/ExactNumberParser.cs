using System.Numerics;

namespace InferenceScaling.Answers;

/// <summary>
/// A recursive-descent reader of closed-form numeric answers after <see cref="LatexAnswerCleaner"/>: decimals,
/// <c>+ - * /</c>, <c>^</c> with integer exponents, parentheses and groups, <c>\frac</c> (also <c>\frac12</c>),
/// <c>\sqrt</c> (also <c>\sqrt[2]{}</c>), <c>\pi</c>, and implicit products such as <c>2\sqrt3</c> or <c>3\pi</c>.
/// Returns null for anything else; never throws; nesting is capped so depth is bounded.
/// </summary>
internal sealed class ExactNumberParser
{
    /// <summary>The deepest nesting of groups and commands accepted.</summary>
    private const int MaxDepth = 32;

    private readonly string _text;

    private int _position;

    private int _depth;

    private ExactNumberParser(string text) => _text = text;

    /// <summary>The value of the whole of <paramref name="text"/>, or null when it is not a closed-form number.</summary>
    public static ExactNumber? TryParse(string text)
    {
        var parser = new ExactNumberParser(text);
        try
        {
            var value = parser.ParseExpression();
            parser.SkipSpaces();
            return value is not null && parser._position == text.Length ? value : null;
        }
        catch (DivideByZeroException)
        {
            // Division by a literal zero is not a number; the answer falls back to its text.
            return null;
        }
    }

    private ExactNumber? ParseExpression()
    {
        if (++_depth > MaxDepth) return null;
        try
        {
            var value = ParseTerm();
            while (value is not null)
            {
                SkipSpaces();
                if (Peek() is not ('+' or '-')) break;
                var negative = _text[_position++] == '-';
                var term = ParseTerm();
                if (term is null) return null;
                value = value.Add(negative ? term.Negate() : term);
            }

            return value;
        }
        finally
        {
            _depth--;
        }
    }

    private ExactNumber? ParseTerm()
    {
        var value = ParseSigned();
        while (value is not null)
        {
            SkipSpaces();
            var c = Peek();
            if (c == '*')
            {
                _position++;
                var factor = ParseSigned();
                value = factor is null ? null : value.Multiply(factor);
            }
            else if (c == '/')
            {
                _position++;
                var divisor = ParseSigned();
                value = divisor is null ? null : value.Divide(divisor);
            }
            else if (StartsImplicitFactor())
            {
                var factor = ParsePower();
                value = factor is null ? null : value.Multiply(factor);
            }
            else
            {
                break;
            }
        }

        return value;
    }

    private ExactNumber? ParseSigned()
    {
        SkipSpaces();
        var c = Peek();
        if (c is '-' or '+')
        {
            if (++_depth > MaxDepth) return null;
            try
            {
                _position++;
                var inner = ParseSigned();
                return c == '-' ? inner?.Negate() : inner;
            }
            finally
            {
                _depth--;
            }
        }

        return ParsePower();
    }

    private ExactNumber? ParsePower()
    {
        var value = ParsePrimary();
        if (value is null) return null;
        SkipSpaces();
        if (Peek() != '^') return value;
        _position++;
        var exponent = ParseArgument();
        if (exponent is null || !exponent.IsRational || !exponent.AsRational.IsInteger) return null;
        return value.Pow(exponent.AsRational.Numerator);
    }

    private ExactNumber? ParsePrimary()
    {
        SkipSpaces();
        var c = Peek();
        if (char.IsAsciiDigit(c) || c == '.') return ParseLiteral();
        if (c is '(' or '{') return ParseGroup(c == '(' ? ')' : '}');
        if (c == '\\') return ParseCommand();
        return null;
    }

    private ExactNumber? ParseGroup(char close)
    {
        _position++;
        var value = ParseExpression();
        SkipSpaces();
        if (value is null || Peek() != close) return null;
        _position++;
        return value;
    }

    private ExactNumber? ParseLiteral()
    {
        var start = _position;
        while (_position < _text.Length && (char.IsAsciiDigit(_text[_position]) || _text[_position] == '.')) _position++;
        return Rational.TryParseDecimal(_text.AsSpan(start, _position - start), out var value) ? ExactNumber.FromRational(value) : null;
    }

    /// <summary>A <c>\frac</c>/<c>\sqrt</c> argument: a braced expression, or a single digit or command (<c>\frac12</c>, <c>\sqrt3</c>).</summary>
    private ExactNumber? ParseArgument()
    {
        SkipSpaces();
        var c = Peek();
        if (c == '{') return ParseGroup('}');
        if (char.IsAsciiDigit(c))
        {
            _position++;
            return ExactNumber.FromRational(Rational.FromInteger(c - '0'));
        }

        return c == '\\' ? ParseCommand() : null;
    }

    private ExactNumber? ParseCommand()
    {
        if (++_depth > MaxDepth) return null;
        try
        {
            var name = ReadCommandName();
            switch (name)
            {
                case "pi":
                    return ExactNumber.Pi;
                case "frac":
                {
                    var numerator = ParseArgument();
                    var denominator = numerator is null ? null : ParseArgument();
                    return denominator is null ? null : numerator!.Divide(denominator);
                }

                case "sqrt":
                {
                    SkipSpaces();
                    if (Peek() == '[')
                    {
                        // Only square roots are exact here: \sqrt[2]{x} is allowed, other indices are not.
                        if (_position + 2 >= _text.Length || _text[_position + 1] != '2' || _text[_position + 2] != ']') return null;
                        _position += 3;
                    }

                    return ParseArgument()?.Sqrt();
                }

                default:
                    return null;
            }
        }
        finally
        {
            _depth--;
        }
    }

    private string ReadCommandName()
    {
        _position++; // the backslash
        var start = _position;
        while (_position < _text.Length && char.IsAsciiLetter(_text[_position])) _position++;
        return _text[start.._position];
    }

    /// <summary>True when the next token can start a factor that multiplies without an operator (<c>2\pi</c>, <c>3(4)</c>).</summary>
    private bool StartsImplicitFactor()
    {
        var c = Peek();
        if (c is '(' or '{') return true;
        if (c != '\\') return false;

        // A bare number after a number ("2 3") is not read as a product: it is more likely a typo or a list.
        var rest = _text.AsSpan(_position + 1);
        return rest.StartsWith("pi") || rest.StartsWith("sqrt") || rest.StartsWith("frac");
    }

    private char Peek() => _position < _text.Length ? _text[_position] : '\0';

    private void SkipSpaces()
    {
        while (_position < _text.Length && _text[_position] == ' ') _position++;
    }
}
