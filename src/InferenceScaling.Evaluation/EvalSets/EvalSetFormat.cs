namespace InferenceScaling.Evaluation;

/// <summary>The on-disk layouts <see cref="EvalSet.Load"/> reads (detected per file from its first record).</summary>
public enum EvalSetFormat
{
    /// <summary>This project's schema: <c>id</c>, <c>question</c>, <c>answer</c>, optional <c>source</c> and <c>difficulty</c>.</summary>
    Plain,

    /// <summary>GSM8K: <c>question</c>, and an <c>answer</c> holding the worked solution that ends in <c>#### 72</c>.</summary>
    Gsm8k,

    /// <summary>MATH (Hendrycks): <c>problem</c>, <c>solution</c> whose last <c>\boxed{...}</c> is the answer, optional <c>level</c> and <c>type</c>.</summary>
    Math,
}
