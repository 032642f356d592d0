namespace InferenceScaling.Server;

/// <summary>A request the service refuses, with the status and the OpenAI-style error body fields to answer with.</summary>
internal sealed class ApiException(int status, string message, string? param = null, string? code = null, string type = ApiException.InvalidRequest)
    : Exception(message)
{
    /// <summary>OpenAI's error type for a bad request.</summary>
    public const string InvalidRequest = "invalid_request_error";

    /// <summary>HTTP status.</summary>
    public int Status { get; } = status;

    /// <summary>The request field at fault, if any.</summary>
    public string? Param { get; } = param;

    /// <summary>A machine-readable code.</summary>
    public string? Code { get; } = code;

    /// <summary>The error type.</summary>
    public string Type { get; } = type;

    /// <summary>A 400 naming <paramref name="param"/>.</summary>
    public static ApiException BadRequest(string message, string? param = null, string code = "invalid_value") => new(400, message, param, code);
}
