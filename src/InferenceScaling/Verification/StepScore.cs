namespace InferenceScaling.Verification;

/// <summary>
/// One solution step as <c>StepScoreChecker</c> judged it: how likely the model finds the written result
/// (forward, <c>a-b=</c> → <c>c</c>) and the step undone (inverse, <c>c+b=</c> → <c>a</c>).
/// </summary>
public sealed record StepScore
{
    /// <summary>The step as written (e.g. <c>46-36=10</c>).</summary>
    public required string Step { get; init; }

    /// <summary>log p(written result | the step's left side), from the calc prompt; null when the step is broken (not scored).</summary>
    public double? ForwardLogProb { get; init; }

    /// <summary>log p(the step's left operand | its inverse), e.g. p(<c>46</c> | <c>10+36=</c>); null when the operator has no inverse here.</summary>
    public double? InverseLogProb { get; init; }

    /// <summary>True when the model's greedy calculation gives the written result.</summary>
    public required bool Agrees { get; init; }

    /// <summary>True when the model's greedy inverse gives the operand back; null when not checked.</summary>
    public bool? InverseAgrees { get; init; }

    /// <summary>Why the step fails without any scoring (it does not continue from the step before it), or null.</summary>
    public string? Break { get; init; }

    /// <summary>The step's score: <see cref="ForwardLogProb"/> + <see cref="InverseLogProb"/>; null when the step is broken.</summary>
    public double? LogScore => Break is null && ForwardLogProb is { } f ? f + (InverseLogProb ?? 0) : null;
}
