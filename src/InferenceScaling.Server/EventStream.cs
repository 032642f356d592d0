using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace InferenceScaling.Server;

/// <summary>
/// Writes a <c>text/event-stream</c> response (server-sent events): <c>data: {json}</c> events, <c>: comment</c> lines
/// and the final <c>data: [DONE]</c>. Every event is flushed as it is written, so clients (and proxies that honour
/// <c>X-Accel-Buffering</c>) see it at once. Not thread-safe: one writer at a time.
/// </summary>
internal sealed class EventStream(HttpResponse response)
{
    private static readonly byte[] DataPrefix = "data: "u8.ToArray();

    /// <summary>What ends an event: a blank line dispatches it.</summary>
    private static readonly byte[] EventEnd = "\n\n"u8.ToArray();

    /// <summary>The last event of a stream that completed, as OpenAI sends it.</summary>
    private static readonly byte[] Done = "data: [DONE]\n\n"u8.ToArray();

    /// <summary>Whether the status and headers have been sent: from then on errors can only be events.</summary>
    public bool HasStarted => response.HasStarted;

    /// <summary>Sends status 200 and the event-stream headers.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        // nginx buffers proxied responses unless told not to; a buffered stream would arrive all at once.
        response.Headers["X-Accel-Buffering"] = "no";
        response.HttpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        return response.StartAsync(cancellationToken);
    }

    /// <summary>Writes <c>data: {json}</c> and a blank line; <paramref name="value"/> (a type of <see cref="ServerJsonContext"/>) is serialized as the endpoints' JSON results are.</summary>
    public ValueTask WriteDataAsync(object value, CancellationToken cancellationToken)
    {
        var writer = response.BodyWriter;
        writer.Write(DataPrefix);
        // Compact JSON escapes control characters inside strings, so the payload never holds a line break.
        writer.Write(JsonSerializer.SerializeToUtf8Bytes(value, value.GetType(), ServerJsonContext.Default));
        writer.Write(EventEnd);
        return FlushAsync(cancellationToken);
    }

    /// <summary>Writes a comment line (<c>: text</c>), which clients ignore; it shows the connection is alive.</summary>
    /// <param name="text">One line of text (no line breaks).</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    public ValueTask WriteCommentAsync(string text, CancellationToken cancellationToken)
    {
        if (text.AsSpan().IndexOfAny('\r', '\n') >= 0) throw new ArgumentException("A comment is one line.", nameof(text));
        response.BodyWriter.Write(Encoding.UTF8.GetBytes($": {text}\n\n"));
        return FlushAsync(cancellationToken);
    }

    /// <summary>Writes <c>data: [DONE]</c>, the mark of a stream that ended normally.</summary>
    public ValueTask WriteDoneAsync(CancellationToken cancellationToken)
    {
        response.BodyWriter.Write(Done);
        return FlushAsync(cancellationToken);
    }

    private async ValueTask FlushAsync(CancellationToken cancellationToken) =>
        await response.BodyWriter.FlushAsync(cancellationToken).ConfigureAwait(false);
}
