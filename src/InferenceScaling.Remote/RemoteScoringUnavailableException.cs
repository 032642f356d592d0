namespace InferenceScaling.Remote;

/// <summary>
/// An endpoint cannot score continuations (no <c>/v1/completions</c>, or no echoed prompt log-probs). Checkers that
/// need scores fall back to written critiques (see <see cref="RemoteContinuationScorer.CanScoreAsync"/>).
/// </summary>
public sealed class RemoteScoringUnavailableException(Uri endpoint, string message) : NotSupportedException(message)
{
    /// <summary>The endpoint that cannot score.</summary>
    public Uri Endpoint { get; } = endpoint;
}
