using System.Net;

namespace InferenceScaling.Remote;

/// <summary>
/// A serving endpoint failed a request for good: it answered with an error that retrying cannot fix (a 4xx), or it kept
/// failing (5xx, 429, refused connections, timeouts, cut or malformed streams) until the attempts ran out. The message
/// names the endpoint and what it said.
/// </summary>
public sealed class RemoteBackendException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="endpoint">The endpoint's base URL.</param>
    /// <param name="message">What went wrong, naming the endpoint.</param>
    /// <param name="statusCode">The HTTP status, when the endpoint answered.</param>
    /// <param name="inner">The underlying failure.</param>
    public RemoteBackendException(Uri endpoint, string message, HttpStatusCode? statusCode = null, Exception? inner = null)
        : base(message, inner)
    {
        Endpoint = endpoint;
        StatusCode = statusCode;
    }

    /// <summary>The endpoint (base URL) that failed last.</summary>
    public Uri Endpoint { get; }

    /// <summary>The HTTP status it answered with, or null when there was no answer (connection, timeout, cut stream).</summary>
    public HttpStatusCode? StatusCode { get; }
}
