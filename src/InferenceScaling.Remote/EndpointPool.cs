using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace InferenceScaling.Remote;

/// <summary>
/// The endpoints and the rules for using them: each attempt goes to the endpoint with the fewest requests in flight
/// (round-robin among ties), within a per-endpoint limit; a failed attempt is retried after a backoff (or the
/// endpoint's <c>Retry-After</c>), preferring another endpoint; an endpoint that fails
/// <see cref="RemoteBackendOptions.FailuresToSetAside"/> times in a row is set aside for
/// <see cref="RemoteBackendOptions.SetAsideTime"/> and used only when nothing else is left. Thread-safe.
/// </summary>
internal sealed class EndpointPool
{
    /// <summary>Guards every endpoint's counters and <see cref="_changed"/>.</summary>
    private readonly object _lock = new();

    /// <summary>Completed (and replaced) whenever a slot frees, so waiters look again.</summary>
    private TaskCompletionSource? _changed;

    /// <summary>Round-robin start among endpoints with equal load.</summary>
    private int _turn;

    public EndpointPool(RemoteBackendOptions options, HttpClient http)
    {
        Options = options;
        Http = http;
        var list = new RemoteEndpoint[options.Endpoints.Count];
        for (var i = 0; i < list.Length; i++) list[i] = new RemoteEndpoint(options.Endpoints[i], i);
        Endpoints = list;
    }

    public RemoteBackendOptions Options { get; }

    public HttpClient Http { get; }

    public IReadOnlyList<RemoteEndpoint> Endpoints { get; }

    private TimeProvider Time => Options.TimeProvider;

    /// <summary>Runs <paramref name="attempt"/> on an endpoint, retrying failures that another attempt may fix.</summary>
    /// <exception cref="RemoteBackendException">An endpoint refused the request for good, or every attempt failed.</exception>
    public async Task<T> ExecuteAsync<T>(string what, Func<RemoteEndpoint, CancellationToken, Task<T>> attempt, CancellationToken cancellationToken)
    {
        RemoteEndpoint? avoid = null;
        for (var n = 1; ; n++)
        {
            var endpoint = await AcquireAsync(avoid, cancellationToken).ConfigureAwait(false);
            RetryableRemoteFailure failure;
            try
            {
                var result = await attempt(endpoint, cancellationToken).ConfigureAwait(false);
                Succeeded(endpoint);
                return result;
            }
            catch (RetryableRemoteFailure f) when (!cancellationToken.IsCancellationRequested)
            {
                failure = f;
                Failed(endpoint);
            }
            catch (RetryableRemoteFailure f)
            {
                // Cancelled meanwhile (the caller, or a sibling trace's failure): the attempt's own failure is moot, and
                // the internal retry signal must not leave the pool as if it were the cause.
                throw new OperationCanceledException(f.Message, f, cancellationToken);
            }
            finally
            {
                Release(endpoint);
            }

            if (n >= Options.MaxAttempts)
                throw new RemoteBackendException(endpoint.Address, $"{what} failed after {n} attempts; last on {endpoint}: {failure.Message}", failure.Status, failure);
            avoid = endpoint;
            var delay = failure.RetryAfter ?? Backoff(n);
            if (delay > Options.RetryMaxDelay) delay = Options.RetryMaxDelay;
            if (delay > TimeSpan.Zero) await Task.Delay(delay, Time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Exponential backoff without jitter (deterministic): base × 2^(n−1).</summary>
    private TimeSpan Backoff(int failedAttempts) =>
        TimeSpan.FromTicks((long)Math.Min(Options.RetryMaxDelay.Ticks, Options.RetryBaseDelay.Ticks * Math.Pow(2, failedAttempts - 1)));

    /// <summary>
    /// Takes a slot on the best endpoint: not set aside, not <paramref name="avoid"/> (the one that just failed), fewest
    /// in flight. A set-aside endpoint is used only while no healthy endpoint exists; while healthy ones are all full, waits.
    /// </summary>
    internal async Task<RemoteEndpoint> AcquireAsync(RemoteEndpoint? avoid, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task changed;
            lock (_lock)
            {
                var now = Time.GetTimestamp();
                RemoteEndpoint? best = null;
                var bestRank = int.MaxValue;
                var healthyFull = false;
                var count = Endpoints.Count;
                for (var k = 0; k < count; k++)
                {
                    var e = Endpoints[(_turn + k) % count];
                    var aside = e.SetAsideUntil > now;
                    if (e.Outstanding >= Options.MaxConcurrencyPerEndpoint)
                    {
                        healthyFull |= !aside;
                        continue;
                    }

                    // Rank: healthy before set aside, then not-the-one-that-failed, then load.
                    var rank = ((aside ? 2 : 0) + (ReferenceEquals(e, avoid) && count > 1 ? 1 : 0)) * 1_000_000 + e.Outstanding;
                    if (rank < bestRank)
                    {
                        best = e;
                        bestRank = rank;
                    }
                }

                if (best is not null && !(bestRank >= 2_000_000 && healthyFull))
                {
                    best.Outstanding++;
                    _turn = (best.Order + 1) % count;
                    return best;
                }

                _changed ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                changed = _changed.Task;
            }

            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    internal void Release(RemoteEndpoint endpoint)
    {
        TaskCompletionSource? changed;
        lock (_lock)
        {
            endpoint.Outstanding--;
            changed = _changed;
            _changed = null;
        }

        changed?.TrySetResult();
    }

    private void Succeeded(RemoteEndpoint endpoint)
    {
        Interlocked.Increment(ref endpoint.Succeeded);
        lock (_lock)
        {
            endpoint.ConsecutiveFailures = 0;
            endpoint.SetAsideUntil = 0;
        }
    }

    private void Failed(RemoteEndpoint endpoint)
    {
        Interlocked.Increment(ref endpoint.Failed);
        lock (_lock)
        {
            if (++endpoint.ConsecutiveFailures >= Options.FailuresToSetAside)
                endpoint.SetAsideUntil = Time.GetTimestamp() + (long)(Options.SetAsideTime.TotalSeconds * Time.TimestampFrequency);
        }
    }

    public IReadOnlyList<RemoteEndpointStatistics> Statistics()
    {
        var list = new List<RemoteEndpointStatistics>(Endpoints.Count);
        lock (_lock)
        {
            var now = Time.GetTimestamp();
            foreach (var e in Endpoints)
            {
                list.Add(new RemoteEndpointStatistics
                {
                    Address = e.Address,
                    Succeeded = Interlocked.Read(ref e.Succeeded),
                    Failed = Interlocked.Read(ref e.Failed),
                    Outstanding = e.Outstanding,
                    GeneratedTokens = Interlocked.Read(ref e.GeneratedTokens),
                    SetAside = e.SetAsideUntil > now,
                });
            }
        }

        return list;
    }

    /// <summary>A token source that fires after <see cref="RemoteBackendOptions.ReadTimeout"/> unless re-armed (linked to the caller's).</summary>
    public ReadDeadline StartDeadline(CancellationToken cancellationToken) => new(Options.ReadTimeout, Time, cancellationToken);

    /// <summary>
    /// Sends a request and returns the response once its headers are in and its status is a success. Failures that a
    /// retry may fix throw <see cref="RetryableRemoteFailure"/>; others <see cref="RemoteBackendException"/>.
    /// </summary>
    public async Task<HttpResponseMessage> SendAsync(RemoteEndpoint endpoint, HttpMethod method, string route, byte[]? body, ReadDeadline deadline)
    {
        using var request = new HttpRequestMessage(method, endpoint.Route(route));
        if (Options.ApiKey is { Length: > 0 } key) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        HttpResponseMessage response;
        try
        {
            response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (deadline.TimedOut(e))
        {
            throw new RetryableRemoteFailure($"no response within {Options.ReadTimeout.TotalSeconds:0.#} s", inner: e);
        }
        catch (HttpRequestException e)
        {
            throw new RetryableRemoteFailure($"cannot connect ({e.HttpRequestError}: {e.Message})", inner: e);
        }

        if (response.IsSuccessStatusCode) return response;
        using (response)
        {
            var status = response.StatusCode;
            var detail = await ReadErrorAsync(response, deadline).ConfigureAwait(false);
            if (status is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable or HttpStatusCode.BadGateway
                or HttpStatusCode.GatewayTimeout or HttpStatusCode.InternalServerError or HttpStatusCode.RequestTimeout)
                throw new RetryableRemoteFailure($"HTTP {(int)status}: {detail}", RetryAfter(response), status);
            throw new RemoteBackendException(endpoint.Address, $"{endpoint} answered {route} with HTTP {(int)status}: {detail}", status);
        }
    }

    /// <summary>The endpoint's error message (OpenAI's <c>{"error": {"message"}}</c>, or the start of the body).</summary>
    private static async Task<string> ReadErrorAsync(HttpResponseMessage response, ReadDeadline deadline)
    {
        string text;
        try
        {
            text = await response.Content.ReadAsStringAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException)
        {
            return "(no body)";
        }

        try
        {
            using var doc = JsonDocument.Parse(text);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("error", out var error))
            {
                if (error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String) return m.GetString()!;
                if (error.ValueKind == JsonValueKind.String) return error.GetString()!;
            }

            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("message", out var msg) && msg.ValueKind == JsonValueKind.String) return msg.GetString()!;
        }
        catch (JsonException)
        {
        }

        text = text.Trim();
        return text.Length == 0 ? "(no body)" : text.Length > 300 ? text[..300] + "…" : text;
    }

    /// <summary><c>Retry-After</c> as seconds or an HTTP date.</summary>
    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header is null) return null;
        if (header.Delta is { } delta) return delta;
        if (header.Date is { } date)
        {
            var wait = date - Time.GetUtcNow();
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }

        return null;
    }

    /// <summary>Gets (once per endpoint) the model id and whether the endpoint is vLLM-like, from <c>/v1/models</c>.</summary>
    public async Task<RemoteEndpointInfo> DescribeAsync(RemoteEndpoint endpoint, CancellationToken cancellationToken)
    {
        if (endpoint.Info is { } known) return known;
        using var deadline = StartDeadline(cancellationToken);
        HttpResponseMessage response;
        try
        {
            response = await SendAsync(endpoint, HttpMethod.Get, "models", null, deadline).ConfigureAwait(false);
        }
        catch (RemoteBackendException e) when (e.StatusCode == HttpStatusCode.NotFound && Options.Model is not null)
        {
            // Some hosted APIs have no model list; the user named the model, so go on as a plain OpenAI endpoint.
            return endpoint.Info = new RemoteEndpointInfo(Options.Model, VllmLike: false);
        }

        using (response)
        {
            string? first = null;
            string? owner = null;
            var listed = false;
            try
            {
                var bytes = await response.Content.ReadAsByteArrayAsync(deadline.Token).ConfigureAwait(false);
                using var doc = JsonDocument.Parse(bytes);
                foreach (var m in doc.RootElement.GetProperty("data").EnumerateArray())
                {
                    var id = m.GetProperty("id").GetString();
                    var by = m.TryGetProperty("owned_by", out var o) && o.ValueKind == JsonValueKind.String ? o.GetString() : null;
                    if (first is null) { first = id; owner = by; }
                    if (id == Options.Model) { listed = true; owner = by; }
                }
            }
            catch (Exception e) when (deadline.TimedOut(e))
            {
                throw new RetryableRemoteFailure($"no /v1/models answer within {Options.ReadTimeout.TotalSeconds:0.#} s", inner: e);
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or HttpRequestException or IOException)
            {
                throw new RetryableRemoteFailure($"malformed /v1/models body ({e.Message})", inner: e);
            }

            var model = Options.Model ?? first ?? throw new RemoteBackendException(endpoint.Address, $"{endpoint} lists no model at /v1/models; pass the model name (--backend-model).");
            if (Options.Model is not null && !listed && first is not null)
                throw new RemoteBackendException(endpoint.Address, $"{endpoint} does not serve model '{Options.Model}' (it lists '{first}').");
            var vllmLike = owner is not null && (owner.Equals("vllm", StringComparison.OrdinalIgnoreCase) || owner.Equals("sglang", StringComparison.OrdinalIgnoreCase)
                || owner.Equals("inferencescaling", StringComparison.OrdinalIgnoreCase));
            return endpoint.Info = new RemoteEndpointInfo(model, vllmLike);
        }
    }

    /// <summary>Serializes a JSON request body.</summary>
    public static byte[] Json(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer)) { write(w); }
        return buffer.ToArray();
    }

    /// <summary>UTF-8 bytes / 4: a rough token count for a text no endpoint has counted.</summary>
    public static int EstimateTokens(string text) => Math.Max(1, (Encoding.UTF8.GetByteCount(text) + 3) / 4);
}
