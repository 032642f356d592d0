using System.Net;
using System.Text.Json;
using InferenceScaling.Sampling;

namespace InferenceScaling.Remote;

/// <summary>
/// An <see cref="IContinuationScorer"/> on OpenAI-compatible endpoints: <c>/v1/completions</c> with <c>echo</c>,
/// <c>logprobs</c> 1 and <c>max_tokens</c> 1 (the request lm-eval-harness sends for log-likelihoods), so step checks
/// run remotely. The prompt and the continuation are sent as one text; the continuation's tokens are those the
/// endpoint's <c>text_offset</c> places at or after the prompt's end (a token straddling the boundary counts with the
/// prompt). Endpoints without completions or without echoed log-probs cannot score: <see cref="CanScoreAsync"/> says
/// so before a checker is chosen. Get one from <see cref="RemoteBackend.Scorer"/>. Thread-safe.
/// </summary>
public sealed class RemoteContinuationScorer : IContinuationScorer
{
    private readonly EndpointPool _pool;
    private readonly PromptTokenCounter _counter;

    internal RemoteContinuationScorer(EndpointPool pool, PromptTokenCounter counter)
    {
        _pool = pool;
        _counter = counter;
    }

    /// <summary>
    /// Whether the endpoints can score: one tiny continuation is scored (on the first endpoint that answers). False
    /// when the route is chat-only (<see cref="RemoteApi.ChatCompletions"/>), when an endpoint has no
    /// <c>/v1/completions</c>, or when it does not echo the prompt's log-probs.
    /// </summary>
    /// <exception cref="RemoteBackendException">No endpoint answered at all.</exception>
    public async Task<bool> CanScoreAsync(CancellationToken cancellationToken = default)
    {
        if (_pool.Options.Api == RemoteApi.ChatCompletions) return false;
        try
        {
            await ScoreAsync([new Continuation("1+1=", "2")], cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RemoteScoringUnavailableException)
        {
            return false;
        }
    }

    /// <inheritdoc />
    /// <exception cref="RemoteScoringUnavailableException">The endpoint cannot score (no completions route, or no echoed log-probs).</exception>
    /// <exception cref="RemoteBackendException">An endpoint refused a request for good, or every attempt failed.</exception>
    public async Task<IReadOnlyList<ContinuationScore>> ScoreAsync(IReadOnlyList<Continuation> items, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        foreach (var item in items)
        {
            if (string.IsNullOrEmpty(item.Prompt)) throw new ArgumentException("A continuation's prompt must not be empty.", nameof(items));
            if (string.IsNullOrEmpty(item.Text)) throw new ArgumentException("A continuation's text must not be empty.", nameof(items));
        }

        if (_pool.Options.Api == RemoteApi.ChatCompletions)
            throw new RemoteScoringUnavailableException(_pool.Endpoints[0].Address, "Scoring needs /v1/completions with echo; the backend is set to chat completions only.");
        var tasks = new Task<ContinuationScore>[items.Count];
        for (var i = 0; i < tasks.Length; i++)
        {
            var item = items[i];
            tasks[i] = _pool.ExecuteAsync("scoring", (e, ct) => ScoreOneAsync(e, item, ct), cancellationToken);
        }

        return await Task.WhenAll(tasks).ConfigureAwait(false);
    }

    private async Task<ContinuationScore> ScoreOneAsync(RemoteEndpoint endpoint, Continuation item, CancellationToken cancellationToken)
    {
        if (endpoint.CannotScore || endpoint.LacksCompletions) throw Unavailable(endpoint, "it has no /v1/completions route or echoes no prompt log-probs");
        var info = await _pool.DescribeAsync(endpoint, cancellationToken).ConfigureAwait(false);
        var full = item.Prompt + item.Text;
        var body = EndpointPool.Json(w =>
        {
            w.WriteStartObject();
            w.WriteString("model", info.Model);
            w.WriteString("prompt", full);
            w.WriteNumber("max_tokens", 1);
            w.WriteNumber("temperature", 0);
            w.WriteBoolean("echo", true);
            w.WriteNumber("logprobs", 1);
            w.WriteEndObject();
        });
        using var deadline = _pool.StartDeadline(cancellationToken);
        HttpResponseMessage response;
        try
        {
            response = await _pool.SendAsync(endpoint, HttpMethod.Post, "completions", body, deadline).ConfigureAwait(false);
        }
        catch (RemoteBackendException e) when (e.StatusCode is HttpStatusCode.NotFound)
        {
            endpoint.LacksCompletions = true;
            throw Unavailable(endpoint, "it has no /v1/completions route");
        }

        using (response)
        {
            byte[] bytes;
            try
            {
                bytes = await response.Content.ReadAsByteArrayAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (deadline.TimedOut(e) || e is IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
            {
                throw new RetryableRemoteFailure($"the scoring response was cut or timed out ({e.Message})", inner: e);
            }

            try
            {
                return Read(endpoint, item, full, bytes);
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or IndexOutOfRangeException)
            {
                throw new RetryableRemoteFailure($"malformed scoring response ({e.Message})", inner: e);
            }
        }
    }

    private ContinuationScore Read(RemoteEndpoint endpoint, Continuation item, string full, byte[] bytes)
    {
        using var doc = JsonDocument.Parse(bytes);
        var choice = doc.RootElement.GetProperty("choices")[0];
        if (!choice.TryGetProperty("logprobs", out var lp) || lp.ValueKind != JsonValueKind.Object
            || !lp.TryGetProperty("token_logprobs", out var logProbs) || logProbs.ValueKind != JsonValueKind.Array
            || !lp.TryGetProperty("text_offset", out var offsets) || offsets.ValueKind != JsonValueKind.Array)
        {
            endpoint.CannotScore = true;
            throw Unavailable(endpoint, "its completions answer has no log-probs with text offsets");
        }

        lp.TryGetProperty("top_logprobs", out var tops);
        var n = logProbs.GetArrayLength();
        // Echoed tokens: usage.prompt_tokens when given, else those that start inside the sent text.
        var echoed = doc.RootElement.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object
            && usage.TryGetProperty("prompt_tokens", out var pt) && pt.ValueKind == JsonValueKind.Number ? Math.Min(pt.GetInt32(), n) : -1;
        if (echoed < 0)
        {
            echoed = 0;
            while (echoed < n && offsets[echoed].GetInt32() < full.Length) echoed++;
        }

        var start = 0;
        while (start < echoed && offsets[start].GetInt32() < item.Prompt.Length) start++;
        if (start == 0 || start >= echoed || echoed > n)
        {
            // The endpoint did not echo the prompt's tokens (echo ignored), or the continuation vanished in a token.
            if (echoed <= 1) endpoint.CannotScore = true;
            throw Unavailable(endpoint, $"its echo gave {echoed} prompt tokens, none of them the continuation's");
        }

        var values = new float[echoed - start];
        var greedy = true;
        for (var j = start; j < echoed; j++)
        {
            var l = logProbs[j];
            if (l.ValueKind != JsonValueKind.Number) throw Unavailable(endpoint, "its echoed log-probs are null past the first token");
            var v = l.GetSingle();
            values[j - start] = v;
            if (tops.ValueKind == JsonValueKind.Array && j < tops.GetArrayLength() && tops[j] is { ValueKind: JsonValueKind.Object } top)
            {
                foreach (var p in top.EnumerateObject())
                    if (p.Value.ValueKind == JsonValueKind.Number && p.Value.GetSingle() > v + 1e-6f) greedy = false;
            }
        }

        _counter.Report(full, echoed);
        return new ContinuationScore { TokenLogProbs = values, IsGreedy = greedy, PromptTokens = start };
    }

    private static RemoteScoringUnavailableException Unavailable(RemoteEndpoint endpoint, string why) =>
        new(endpoint.Address, $"{endpoint} cannot score continuations: {why}.");
}
