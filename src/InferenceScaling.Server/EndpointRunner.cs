using System.Diagnostics;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace InferenceScaling.Server;

/// <summary>
/// The common frame of the POST endpoints: the shutdown check (503), the body read and typed deserialization
/// (<see cref="RequestBody"/>: 415, 413, 408, 400), admission (429) only once the body is in, the handler, and the
/// response written while the request still holds its slot, so neither a slow upload nor a slow reader holds one for
/// nothing and no response is built outside the admission bound. Every failure maps to a status with an OpenAI-style
/// error body: bad input never escapes as a 5xx, and a 5xx never carries an exception's type or message.
/// </summary>
internal static class EndpointRunner
{
    /// <summary>Seconds a client is told to wait after a 429 or a 503 of a restarting decode loop.</summary>
    private const string RetryAfterSeconds = "1";

    /// <summary>Grace after the wall-time ceiling for the work to return its best answer before the request is cut.</summary>
    private static readonly TimeSpan CeilingGrace = TimeSpan.FromSeconds(5);

    /// <summary>Runs <paramref name="handler"/> on the request's typed body and writes its result (or the error).</summary>
    public static async Task RunAsync<TRequest>(HttpContext context, ServerState state, string endpoint, JsonTypeInfo<TRequest> type,
        IReadOnlyDictionary<string, string> expected, Func<TRequest, ServerState, CancellationToken, Task<IResult>> handler)
        where TRequest : class
    {
        var start = Stopwatch.GetTimestamp();
        var status = await RunCoreAsync(context, state, type, expected, handler).ConfigureAwait(false);
        state.RecordLatency(endpoint, status, Stopwatch.GetElapsedTime(start));
    }

    private static async Task<int> RunCoreAsync<TRequest>(HttpContext context, ServerState state, JsonTypeInfo<TRequest> type,
        IReadOnlyDictionary<string, string> expected, Func<TRequest, ServerState, CancellationToken, Task<IResult>> handler)
        where TRequest : class
    {
        var aborted = context.RequestAborted;
        if (state.Stopping) return await WriteAsync(context, ShuttingDown(context)).ConfigureAwait(false);
        TRequest body;
        try
        {
            body = await RequestBody.ReadAsync(context, type, expected, state.Options.MaxBodyBytes, state.Options.BodyReadTimeout).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            return 499;
        }
        catch (ApiException ex)
        {
            return await WriteAsync(context, ApiErrors.Result(ex)).ConfigureAwait(false);
        }

        if (state.Stopping) return await WriteAsync(context, ShuttingDown(context)).ConfigureAwait(false);
        if (!state.TryEnter())
        {
            context.Response.Headers.RetryAfter = RetryAfterSeconds;
            return await WriteAsync(context, ApiErrors.Result(429, $"The server is busy ({state.Options.MaxConcurrentRequests} requests in flight or the decode queue is full); retry after {RetryAfterSeconds} s.", null, "rate_limit_exceeded", "rate_limit_error")).ConfigureAwait(false);
        }

        // The backstop of the wall-time ceiling: budgets carry the ceiling as their deadline and return the best answer
        // at it; work still running after the grace is cut.
        using var ceiling = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        ceiling.CancelAfter(state.Options.RequestTimeout + CeilingGrace);
        try
        {
            var result = await handler(body, state, ceiling.Token).ConfigureAwait(false);
            // A stream runs its work while it writes; either way the response is written inside the slot.
            if (result is EventStreamResult stream) return await stream.RunAsync(context, ceiling.Token).ConfigureAwait(false);
            return await WriteAsync(context, result).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client left; nobody reads this, but the status is logged: 499 as nginx does.
            return 499;
        }
        catch (Exception ex)
        {
            if (ceiling.IsCancellationRequested && ex is OperationCanceledException)
                return await WriteAsync(context, ApiErrors.Result(TimedOut(state))).ConfigureAwait(false);
            var error = ErrorFor(ex, context);
            if (error.Status >= 500 && error.Code == "internal_error") Log(context, ex);
            if (error.Code is "service_degraded") context.Response.Headers.RetryAfter = RetryAfterSeconds;
            if (error.Code is "shutting_down") return await WriteAsync(context, ShuttingDown(context)).ConfigureAwait(false);
            return await WriteAsync(context, ApiErrors.Result(error)).ConfigureAwait(false);
        }
        finally
        {
            state.Leave();
        }
    }

    /// <summary>Writes a result unless the client has left; returns the status to record.</summary>
    private static async Task<int> WriteAsync(HttpContext context, IResult result)
    {
        var status = result is IStatusCodeHttpResult { StatusCode: { } code } ? code : 200;
        if (context.RequestAborted.IsCancellationRequested) return 499;
        try
        {
            await result.ExecuteAsync(context).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException)
        {
            return 499;
        }

        return status;
    }

    /// <summary>
    /// The error a failure is answered with: an <see cref="ApiException"/> as it is; 503 when the scheduler stopped
    /// under the request (<see cref="ObjectDisposedException"/>) or the decode loop is restarting; 400 for an
    /// <see cref="ArgumentException"/> (the generator's own validation is the caller's fault; its parameter name is
    /// internal, so the error names no field); else 500 "internal error" with no details.
    /// </summary>
    public static ApiException ErrorFor(Exception ex, HttpContext? context = null) => ex switch
    {
        ApiException api => api,
        ObjectDisposedException => ShutdownError(),
        DecodeLoopFaultException { Unavailable: true } => new(503, "The decode loop is restarting after an internal error; retry shortly.", null, "service_degraded", "server_error"),
        DecodeLoopFaultException => InternalError(),
        ArgumentException arg => ApiException.BadRequest("The request cannot be served as given: " + FirstSentence(arg.Message), null),
        _ => InternalError(),
    };

    private static ApiException InternalError() =>
        new(500, "Internal error while serving the request; it has been logged. Retry, or report it if it persists.", null, "internal_error", "server_error");

    private static ApiException TimedOut(ServerState state) =>
        new(503, $"The request ran past this server's limit of {state.Options.RequestTimeout.TotalSeconds:0.#} s; ask for a smaller budget.", null, "request_timeout", "server_error");

    /// <summary>An argument exception's message without its " (Parameter 'x')" tail, which names internals.</summary>
    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" (Parameter '", StringComparison.Ordinal);
        return cut < 0 ? message : message[..cut];
    }

    private static void Log(HttpContext context, Exception ex)
    {
        var logger = context.RequestServices?.GetService<ILoggerFactory>()?.CreateLogger("InferenceScaling.Server");
        logger?.LogError(ex, "Request {Path} failed with an internal error.", context.Request.Path);
    }

    private static IResult ShuttingDown(HttpContext context)
    {
        context.Response.Headers.Connection = "close";
        context.Response.Headers.RetryAfter = "5";
        return ApiErrors.Result(ShutdownError());
    }

    private static ApiException ShutdownError() =>
        new(503, "The server is shutting down; retry on another instance or later.", null, "shutting_down", "server_error");
}
