namespace InferenceScaling.Verification;

/// <summary>What a check concluded about a candidate solution.</summary>
public enum VerdictKind
{
    /// <summary>No verdict could be read: the check was cut off, malformed, or wrote neither verdict. Never counts as correct.</summary>
    None,

    /// <summary>The check ended with the prompt set's "correct" verdict.</summary>
    Correct,

    /// <summary>The check ended with the prompt set's "wrong" verdict (possibly naming the faulty step).</summary>
    Wrong,
}
