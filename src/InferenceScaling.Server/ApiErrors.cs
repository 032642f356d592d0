using Microsoft.AspNetCore.Http;

namespace InferenceScaling.Server;

/// <summary>Writes OpenAI-style error bodies: <c>{ "error": { "message", "type", "param", "code" } }</c>.</summary>
internal static class ApiErrors
{
    public static IResult Result(int status, string message, string? param, string? code, string type = ApiException.InvalidRequest) =>
        Results.Json(Body(message, param, code, type), statusCode: status);

    public static IResult Result(ApiException ex) => Result(ex.Status, ex.Message, ex.Param, ex.Code, ex.Type);

    public static Task WriteAsync(HttpContext context, int status, string message, string? param, string? code, string type = ApiException.InvalidRequest)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(Body(message, param, code, type), context.RequestAborted);
    }

    /// <summary>The error body (also the data of a stream's error event).</summary>
    public static object Body(ApiException ex) => Body(ex.Message, ex.Param, ex.Code, ex.Type);

    private static object Body(string message, string? param, string? code, string type) => new { error = new { message, type, param, code } };
}
