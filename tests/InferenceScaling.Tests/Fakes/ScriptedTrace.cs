using InferenceScaling.Sampling;

namespace InferenceScaling.Tests.Fakes;

/// <summary>One scripted row for <see cref="ScriptedTraceGenerator"/>.</summary>
public sealed record ScriptedTrace
{
    /// <summary>Full text when the trace finishes.</summary>
    public required string Text { get; init; }

    /// <summary>Generated tokens when it finishes (if the request's MaxTokens is smaller, it is cut off: FinishReason.Length, text "").</summary>
    public int Tokens { get; init; } = 10;

    /// <summary>Log-probability of every token (unless <see cref="LogProbs"/> is given).</summary>
    public float LogProb { get; init; } = -0.1f;

    /// <summary>Explicit per-token log-probabilities (length = <see cref="Tokens"/>).</summary>
    public float[]? LogProbs { get; init; }

    /// <summary>Confidence of every token (unless <see cref="Confidences"/> is given).</summary>
    public float Confidence { get; init; } = 2f;

    /// <summary>Explicit per-token confidences (length = <see cref="Tokens"/>).</summary>
    public float[]? Confidences { get; init; }

    /// <summary>How it finishes on its own.</summary>
    public FinishReason Finish { get; init; } = FinishReason.EndOfSequence;

    /// <summary>When set, the trace is "still running" until the gate completes (or it is cancelled).</summary>
    public TaskCompletionSource? Gate { get; init; }

    /// <summary>Tokens a cancelled trace had generated; default half of <see cref="Tokens"/>.</summary>
    public int? CancelledTokens { get; init; }

    /// <summary>Text a cancelled trace had written; default empty.</summary>
    public string CancelledText { get; init; } = "";

    /// <summary>A finished trace ending in <c>Answer: {answer}</c>.</summary>
    public static ScriptedTrace Answer(string answer, int tokens = 10, float logProb = -0.1f) =>
        new() { Text = $"Some steps. Answer: {answer}", Tokens = tokens, LogProb = logProb };

    /// <summary>A finished trace with no answer.</summary>
    public static ScriptedTrace NoAnswer(int tokens = 10) => new() { Text = "I am not sure", Tokens = tokens };
}
