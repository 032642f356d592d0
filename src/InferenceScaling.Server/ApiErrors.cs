using Microsoft.AspNetCore.Http;

namespace InferenceScaling.Server;

/// <summary>Writes OpenAI-style error bodies: <c>{ "error": { "message", "type", "param", "code" } }</c>.</summary>
internal static class ApiErrors
{
    public static IResult Result(int status, string message, string? param, string? code, string type = ApiException.InvalidRequest) =>
        Results.Json(Body(message, param, code, type), ServerJsonContext.Default.ErrorBody, statusCode: status);

    public static IResult Result(ApiException ex) => Result(ex.Status, ex.Message, ex.Param, ex.Code, ex.Type);

    public static Task WriteAsync(HttpContext context, int status, string message, string? param, string? code, string type = ApiException.InvalidRequest)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(Body(message, param, code, type), ServerJsonContext.Default.ErrorBody, cancellationToken: context.RequestAborted);
    }

    /// <summary>The error body (also the data of a stream's error event).</summary>
    public static ErrorBody Body(ApiException ex) => Body(ex.Message, ex.Param, ex.Code, ex.Type);

    private static ErrorBody Body(string message, string? param, string? code, string type) => new(new ErrorDetail(message, type, param, code));
}
