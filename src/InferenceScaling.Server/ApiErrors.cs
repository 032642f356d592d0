using Microsoft.AspNetCore.Http;

namespace InferenceScaling.Server;

/// <summary>Writes OpenAI-style error bodies: <c>{ "error": { "message", "type", "param", "code" } }</c>.</summary>
internal static class ApiErrors
{
    public static IResult Result(int status, string message, string? param, string? code, string type = ApiException.InvalidRequest) =>
        Results.Json(new { error = new { message, type, param, code } }, statusCode: status);

    public static IResult Result(ApiException ex) => Result(ex.Status, ex.Message, ex.Param, ex.Code, ex.Type);

    public static Task WriteAsync(HttpContext context, int status, string message, string? param, string? code, string type = ApiException.InvalidRequest)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new { error = new { message, type, param, code } }, context.RequestAborted);
    }
}
