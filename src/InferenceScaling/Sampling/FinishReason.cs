namespace InferenceScaling.Sampling;

/// <summary>Why a trace stopped growing.</summary>
public enum FinishReason
{
    /// <summary>The model wrote its end-of-sequence token.</summary>
    EndOfSequence,
    /// <summary>The text reached one of the request's stop strings (the stop string is not included in the text).</summary>
    StopString,
    /// <summary>The trace reached its token limit (or the model's context) before ending: it may hold no answer.</summary>
    Length,
    /// <summary>The trace was cancelled by its caller (for example, the vote was already decided).</summary>
    Cancelled,
    /// <summary>The trace's running confidence fell below the request's threshold (DeepConf online), so it was stopped.</summary>
    LowConfidence,
}
