using Microsoft.AspNetCore.Http;

namespace InferenceScaling.Server;

/// <summary>
/// An endpoint's answer written as server-sent events by a callback. <see cref="EndpointRunner"/> runs it while the
/// request holds its admission slot, so a stream counts as in flight until it ends. Handlers check everything that can
/// be refused before they return one, so bad input still gets a JSON error with its status; once the headers are sent
/// a failure can only be told in the stream: one last <c>data: {"error": {…}}</c> event (OpenAI's error body, and no
/// <c>[DONE]</c> after it), then the response ends.
/// </summary>
internal sealed class EventStreamResult(Func<EventStream, CancellationToken, Task> write) : IResult
{
    /// <inheritdoc />
    public Task ExecuteAsync(HttpContext context) => RunAsync(context, context.RequestAborted);

    /// <summary>Sends the headers and runs the callback; a failure after that becomes the stream's last event.</summary>
    /// <param name="context">The request.</param>
    /// <param name="cancellationToken">The request's aborted token: the client left, so the work stops.</param>
    /// <returns>The status to record: 200, the failure's status (the client saw it as an error event), or 499 when the client left.</returns>
    /// <exception cref="Exception">Whatever fails before the headers are sent; the caller answers with a JSON error.</exception>
    public async Task<int> RunAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var events = new EventStream(context.Response);
        try
        {
            await events.StartAsync(cancellationToken).ConfigureAwait(false);
            await write(events, cancellationToken).ConfigureAwait(false);
            return 200;
        }
        catch (Exception ex) when (events.HasStarted)
        {
            // The client left (the work was cancelled with it): nobody would read an error event.
            if (cancellationToken.IsCancellationRequested) return 499;
            var error = EndpointRunner.ErrorFor(ex);
            try
            {
                await events.WriteDataAsync(ApiErrors.Body(error), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException)
            {
                return 499;
            }

            return error.Status;
        }
    }
}
