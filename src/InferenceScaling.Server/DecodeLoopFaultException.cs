namespace InferenceScaling.Server;

/// <summary>
/// The decode loop failed under a request (<see cref="Unavailable"/> false: a 500 "internal error"), or has failed and
/// is being replaced (true: a 503 with <c>Retry-After</c>). Carries no details: those are logged, not sent.
/// </summary>
internal sealed class DecodeLoopFaultException(bool unavailable)
    : Exception(unavailable ? "The decode loop is restarting after a fault." : "The decode loop failed while serving the request.")
{
    /// <summary>Whether the loop was already down when the request came (retry soon) rather than failing under it.</summary>
    public bool Unavailable { get; } = unavailable;
}
