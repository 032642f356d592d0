namespace InferenceScaling.Remote;

/// <summary>One attempt failed in a way another attempt may fix (5xx, 429, connection, timeout, cut or malformed stream).</summary>
internal sealed class RetryableRemoteFailure(string message, TimeSpan? retryAfter = null, System.Net.HttpStatusCode? status = null, Exception? inner = null)
    : Exception(message, inner)
{
    /// <summary>The endpoint's <c>Retry-After</c>, when it sent one.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;

    /// <summary>The HTTP status, when the endpoint answered.</summary>
    public System.Net.HttpStatusCode? Status { get; } = status;
}
