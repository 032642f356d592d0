namespace InferenceScaling.Arith;

/// <summary>The four operations a generated problem chains.</summary>
public enum ArithmeticOperator
{
    /// <summary>Addition, written <c>+</c>.</summary>
    Add,
    /// <summary>Subtraction, written <c>-</c>.</summary>
    Subtract,
    /// <summary>Multiplication, written <c>*</c>.</summary>
    Multiply,
    /// <summary>Exact division, written <c>/</c>.</summary>
    Divide,
}
