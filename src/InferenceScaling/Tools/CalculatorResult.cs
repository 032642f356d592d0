namespace InferenceScaling.Tools;

/// <summary>What <see cref="Calculator.Evaluate"/> returns: the exact value as text, or why the expression was refused.</summary>
/// <param name="IsError">True when the expression was refused; <paramref name="Text"/> is then the error text.</param>
/// <param name="Text">
/// The value (an integer <c>-12</c>, a terminating decimal <c>2.5</c>, or otherwise a fraction in lowest terms
/// <c>7/3</c>), or the error text (<c>division by zero</c>, <c>unexpected 'x' at 3</c>, …).
/// </param>
internal readonly record struct CalculatorResult(bool IsError, string Text);
