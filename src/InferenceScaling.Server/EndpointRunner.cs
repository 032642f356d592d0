using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace InferenceScaling.Server;

/// <summary>
/// The common frame of the POST endpoints: shutdown and admission checks (503, 429), the size-limited body read,
/// and the mapping of every failure to a status with an OpenAI-style error body, so bad input never escapes as a 500.
/// A handler that answers with an <see cref="EventStreamResult"/> has it written here, inside the admission slot.
/// </summary>
internal static class EndpointRunner
{
    /// <summary>Seconds a client is told to wait after a 429.</summary>
    private const string RetryAfterSeconds = "1";

    /// <summary>Runs <paramref name="handler"/> on the request's JSON body and writes its result (or the error).</summary>
    public static async Task RunAsync(HttpContext context, ServerState state, string endpoint, Func<JsonElement, ServerState, CancellationToken, Task<IResult>> handler)
    {
        var start = Stopwatch.GetTimestamp();
        var result = await RunCoreAsync(context, state, handler).ConfigureAwait(false);
        var status = result is IStatusCodeHttpResult { StatusCode: { } code } ? code : 200;
        state.RecordLatency(endpoint, status, Stopwatch.GetElapsedTime(start));
        if (!context.RequestAborted.IsCancellationRequested) await result.ExecuteAsync(context).ConfigureAwait(false);
    }

    private static async Task<IResult> RunCoreAsync(HttpContext context, ServerState state, Func<JsonElement, ServerState, CancellationToken, Task<IResult>> handler)
    {
        if (state.Stopping) return ShuttingDown(context);
        if (!state.TryEnter())
        {
            context.Response.Headers.RetryAfter = RetryAfterSeconds;
            return ApiErrors.Result(429, $"The server is busy ({state.Options.MaxConcurrentRequests} requests in flight or the decode queue is full); retry after {RetryAfterSeconds} s.", null, "rate_limit_exceeded", "rate_limit_error");
        }

        var aborted = context.RequestAborted;
        try
        {
            var body = await JsonRequest.ReadObjectAsync(context, state.Options.MaxBodyBytes).ConfigureAwait(false);
            var result = await handler(body, state, aborted).ConfigureAwait(false);
            // A stream is written before the slot is left: its work runs while it writes.
            if (result is EventStreamResult stream) return new Written(await stream.RunAsync(context, aborted).ConfigureAwait(false));
            return result;
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client left; nobody reads this, but the status is logged: 499 as nginx does.
            return Results.StatusCode(499);
        }
        catch (Exception ex)
        {
            // The scheduler stopped under the request (host shutdown past its grace period).
            if (ex is ObjectDisposedException) return ShuttingDown(context);
            return ApiErrors.Result(ErrorFor(ex));
        }
        finally
        {
            state.Leave();
        }
    }

    /// <summary>
    /// The error a failure is answered with: an <see cref="ApiException"/> as it is; 503 when the scheduler stopped
    /// under the request (<see cref="ObjectDisposedException"/>); 400 for an <see cref="ArgumentException"/> (the
    /// generator's own validation, e.g. a prompt longer than the context, is the caller's fault); else 500.
    /// </summary>
    public static ApiException ErrorFor(Exception ex) => ex switch
    {
        ApiException api => api,
        ObjectDisposedException => ShutdownError(),
        ArgumentException arg => ApiException.BadRequest(arg.Message, arg.ParamName == "request" ? null : arg.ParamName),
        _ => new ApiException(500, $"Internal error: {ex.GetType().Name}: {ex.Message}", null, "internal_error", "server_error"),
    };

    private static IResult ShuttingDown(HttpContext context)
    {
        context.Response.Headers.Connection = "close";
        context.Response.Headers.RetryAfter = "5";
        return ApiErrors.Result(ShutdownError());
    }

    private static ApiException ShutdownError() =>
        new(503, "The server is shutting down; retry on another instance or later.", null, "shutting_down", "server_error");

    /// <summary>A response already written (a stream): executing it does nothing; its status is what gets recorded.</summary>
    private sealed class Written(int status) : IResult, IStatusCodeHttpResult
    {
        /// <inheritdoc />
        public int? StatusCode => status;

        /// <inheritdoc />
        public Task ExecuteAsync(HttpContext httpContext) => Task.CompletedTask;
    }
}
