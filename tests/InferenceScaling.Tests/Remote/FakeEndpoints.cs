using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;

namespace InferenceScaling.Tests.Remote;

/// <summary>
/// In-process OpenAI-compatible endpoints for the remote backend: requests to <c>http://{host}/v1/...</c> go to the
/// host's script, which answers with recorded bodies, streams, or injected faults. Records every request.
/// </summary>
internal sealed class FakeEndpoints : HttpMessageHandler
{
    private readonly ConcurrentDictionary<string, Func<Received, CancellationToken, Task<HttpResponseMessage>>> _hosts = new();

    public ConcurrentQueue<Received> Requests { get; } = new();

    /// <summary>Most requests in flight at once per host (seen by the handler).</summary>
    public ConcurrentDictionary<string, int> PeakInFlight { get; } = new();

    private readonly ConcurrentDictionary<string, int> _inFlight = new();

    public static Uri Url(string host) => new($"http://{host}/v1");

    public void On(string host, Func<Received, CancellationToken, Task<HttpResponseMessage>> script) => _hosts[host] = script;

    public void On(string host, Func<Received, HttpResponseMessage> script) => _hosts[host] = (r, _) => Task.FromResult(script(r));

    public int Count(string host, string route) => Requests.Count(r => r.Host == host && r.Route == route);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
        var host = request.RequestUri!.Host;
        var route = request.RequestUri.AbsolutePath["/v1/".Length..];
        var received = new Received(host, route, body is null ? default : JsonDocument.Parse(body).RootElement.Clone(), request.Headers.Authorization?.ToString());
        Requests.Enqueue(received);
        if (!_hosts.TryGetValue(host, out var script))
            throw new HttpRequestException(HttpRequestError.ConnectionError, $"Connection refused ({host}:80)");
        if (route == "models")
        {
            if (!_hosts.TryGetValue(host + "/models", out var models)) return Models("fake-model", "vllm");
            script = models;
        }

        var n = _inFlight.AddOrUpdate(host, 1, (_, v) => v + 1);
        PeakInFlight.AddOrUpdate(host, n, (_, v) => Math.Max(v, n));
        try
        {
            return await script(received, cancellationToken);
        }
        finally
        {
            _inFlight.AddOrUpdate(host, 0, (_, v) => v - 1);
        }
    }

    public static HttpResponseMessage Models(string id, string ownedBy) =>
        Json($$"""{"object":"list","data":[{"id":"{{id}}","object":"model","created":1700000000,"owned_by":"{{ownedBy}}","root":"{{id}}","parent":null,"max_model_len":4096}]}""");

    public static HttpResponseMessage Json(string json, HttpStatusCode status = HttpStatusCode.OK) =>
        new(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };

    /// <summary>A server-sent-event stream of the given chunks, then <c>data: [DONE]</c>.</summary>
    public static HttpResponseMessage Sse(IEnumerable<string> chunks, bool done = true)
    {
        var text = new StringBuilder();
        foreach (var c in chunks) text.Append("data: ").Append(c).Append("\n\n");
        if (done) text.Append("data: [DONE]\n\n");
        return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(text.ToString(), Encoding.UTF8, "text/event-stream") };
    }

    /// <summary>A stream that sends <paramref name="first"/> and then fails as a dropped connection does.</summary>
    public static HttpResponseMessage Cut(IEnumerable<string> first)
    {
        var text = new StringBuilder();
        foreach (var c in first) text.Append("data: ").Append(c).Append("\n\n");
        return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(new CutStream(Encoding.UTF8.GetBytes(text.ToString()))) };
    }

    /// <summary>A stream that sends nothing until the reader gives up; <paramref name="reading"/> completes when it is read.</summary>
    public static HttpResponseMessage Silent(TaskCompletionSource reading) =>
        new(HttpStatusCode.OK) { Content = new StreamContent(new SilentStream(reading)) };

    /// <summary>A request as the fake saw it.</summary>
    public sealed record Received(string Host, string Route, JsonElement Body, string? Authorization);

    private sealed class CutStream(byte[] data) : Stream
    {
        private int _at;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_at >= data.Length) throw new IOException("The response ended prematurely (connection reset).");
            var n = Math.Min(count, data.Length - _at);
            Array.Copy(data, _at, buffer, offset, n);
            _at += n;
            return n;
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private sealed class SilentStream(TaskCompletionSource reading) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            reading.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return 0;
        }
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
