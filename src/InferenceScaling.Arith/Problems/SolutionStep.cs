using System.Globalization;

namespace InferenceScaling.Arith;

/// <summary>One line of a worked solution: <c>Left Op Right = Result</c>.</summary>
public readonly record struct SolutionStep(long Left, ArithmeticOperator Operator, long Right, long Result)
{
    /// <summary>The operator's symbol: <c>+ - * /</c>.</summary>
    public char Symbol => Operator switch
    {
        ArithmeticOperator.Add => '+',
        ArithmeticOperator.Subtract => '-',
        ArithmeticOperator.Multiply => '*',
        _ => '/',
    };

    /// <summary>What <see cref="Left"/> and <see cref="Right"/> really give (integer division for <c>/</c>).</summary>
    public long Evaluate() => Operator switch
    {
        ArithmeticOperator.Add => Left + Right,
        ArithmeticOperator.Subtract => Left - Right,
        ArithmeticOperator.Multiply => Left * Right,
        _ => Right == 0 ? 0 : Left / Right,
    };

    /// <summary>True when the written result is what the operands give.</summary>
    public bool IsCorrect =>
        (Operator != ArithmeticOperator.Divide || (Right != 0 && Left % Right == 0)) && Evaluate() == Result;

    /// <summary>The step as the models write it, e.g. <c>19*3=57</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Left}{Symbol}{Right}={Result}");
}
