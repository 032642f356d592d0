using System.Diagnostics;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using InferenceScaling.Sampling;
using Trace = InferenceScaling.Sampling.Trace;

namespace InferenceScaling.Remote;

/// <summary>
/// An <see cref="ITraceGenerator"/> that samples traces on OpenAI-compatible serving engines. Each trace is one
/// streamed request (<c>n</c> = 1, seed S + i as vLLM's parallel sampling gives child i, so with prefix caching N
/// traces cost one prefill), so single traces can be cut by <see cref="TraceControl"/> and DeepConf online filtering
/// while the others go on. Traces carry token ids, log-probs, DeepConf confidences from the top log-probs and their
/// finish reason, as local traces do. Get one from <see cref="RemoteBackend.TraceGenerator"/>. Thread-safe.
/// </summary>
/// <remarks>
/// Token ids are the model's own on vLLM-like endpoints (<c>return_tokens_as_token_ids</c>); elsewhere they are
/// stable numbers for token strings (see <see cref="RemoteBackend"/>). Log-probs are whatever the endpoint reports
/// (vLLM: the model's distribution before temperature). A trace that fails mid-way is drawn again from the start with
/// the same seed, on another endpoint where there is one; nothing of a failed attempt is kept.
/// <para>
/// Tools (<see cref="TraceRequest.Injector"/>) run between requests: the stream is read token by token through the
/// injector's text form (<see cref="ITokenInjector.OnText"/>); when a token ends a tool call the stream is dropped there
/// (the endpoint aborts the request), the tool's answer is appended, marked injected, and a continuation request
/// (prompt + the trace's text so far, <c>max_tokens</c> = what the new-token cap leaves) goes on from it. Tools need
/// <c>/v1/completions</c>: chat completions cannot continue a trace's text. Injected token ids are the injector's
/// tokenizer's (the model's own where the endpoint returns the model's ids).
/// </para>
/// </remarks>
public sealed class RemoteTraceGenerator : ITraceGenerator
{
    private readonly EndpointPool _pool;
    private readonly RemoteVocabulary _vocabulary;
    private readonly PromptTokenCounter _counter;

    internal RemoteTraceGenerator(EndpointPool pool, RemoteVocabulary vocabulary, PromptTokenCounter counter)
    {
        _pool = pool;
        _vocabulary = vocabulary;
        _counter = counter;
    }

    /// <inheritdoc />
    /// <exception cref="RemoteBackendException">An endpoint refused a trace for good, or a trace failed on every attempt.</exception>
    /// <exception cref="NotSupportedException">The request asks for tools (<see cref="TraceRequest.Injector"/>) and the backend is set to chat completions only.</exception>
    public async IAsyncEnumerable<Trace> GenerateAsync(TraceRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrEmpty(request.Prompt)) throw new ArgumentException("The prompt must not be empty.", nameof(request));
        if (request.Count < 1) throw new ArgumentOutOfRangeException(nameof(request), request.Count, "Count must be ≥ 1.");
        request.Sampling.Validate();
        if (request.Injector is not null && _pool.Options.Api == RemoteApi.ChatCompletions)
            throw new NotSupportedException("Tools inside the decode loop need /v1/completions (a continuation of the trace's text); this backend is set to chat completions only.");

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var channel = Channel.CreateUnbounded<Trace>(new UnboundedChannelOptions { SingleReader = true });
        var runs = new Task[request.Count];
        for (var i = 0; i < runs.Length; i++) runs[i] = RunTraceAsync(request, request.FirstIndex + i, channel.Writer, stop);
        var all = CompleteWhenDoneAsync(runs, channel.Writer);
        try
        {
            await foreach (var trace in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false)) yield return trace;
        }
        finally
        {
            // Also when the caller stops reading early: abort the requests still running.
            await stop.CancelAsync().ConfigureAwait(false);
            await all.ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public int CountTokens(string text) => _counter.Count(text);

    private static async Task CompleteWhenDoneAsync(Task[] runs, ChannelWriter<Trace> writer)
    {
        try
        {
            await Task.WhenAll(runs).ConfigureAwait(false);
            writer.TryComplete();
        }
        catch
        {
            // The first real failure, not the cancellations it caused in the other traces.
            Exception? first = null;
            foreach (var r in runs)
                if (r.Exception?.InnerException is { } e && e is not OperationCanceledException) { first = e; break; }
            writer.TryComplete(first ?? new OperationCanceledException());
        }
    }

    private async Task RunTraceAsync(TraceRequest request, int index, ChannelWriter<Trace> writer, CancellationTokenSource stop)
    {
        try
        {
            await Task.Yield();
            Trace trace;
            if (request.Control?.IsCancelled(index) == true) trace = new TraceAccumulator(request.Sampling, null).ToTrace(index, FinishReason.Cancelled, TimeSpan.Zero);
            else trace = await _pool.ExecuteAsync($"trace {index}", (e, ct) => AttemptAsync(e, request, index, ct), stop.Token).ConfigureAwait(false);
            writer.TryWrite(trace);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await stop.CancelAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task<Trace> AttemptAsync(RemoteEndpoint endpoint, TraceRequest request, int index, CancellationToken cancellationToken)
    {
        var info = await _pool.DescribeAsync(endpoint, cancellationToken).ConfigureAwait(false);
        var api = _pool.Options.Api;
        if (api == RemoteApi.ChatCompletions || (api == RemoteApi.Auto && endpoint.LacksCompletions))
            return await StreamAsync(endpoint, info, request, index, chat: true, cancellationToken).ConfigureAwait(false);
        try
        {
            return await StreamAsync(endpoint, info, request, index, chat: false, cancellationToken).ConfigureAwait(false);
        }
        catch (RemoteBackendException e) when (api == RemoteApi.Auto && e.StatusCode == HttpStatusCode.NotFound)
        {
            endpoint.LacksCompletions = true;
            return await StreamAsync(endpoint, info, request, index, chat: true, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<Trace> StreamAsync(RemoteEndpoint endpoint, RemoteEndpointInfo info, TraceRequest request, int index, bool chat, CancellationToken cancellationToken)
    {
        var injector = request.Injector?.Invoke(index);
        if (injector is not null && chat)
            throw new RemoteBackendException(endpoint.Address, $"{endpoint} has no /v1/completions: tools inside the decode loop continue the trace's text, which chat completions cannot.");
        var options = request.Sampling;
        var trace = new TraceAccumulator(options, request.Control);
        var time = _pool.Options.TimeProvider;
        long? started = null;
        var reason = FinishReason.Length;
        for (var segment = 0; ; segment++)
        {
            // A continuation carries on from the tool's answer, within what the new-token cap leaves.
            var prompt = segment == 0 ? request.Prompt : request.Prompt + trace.Text;
            var sampling = segment == 0 ? options : options with { MaxTokens = options.MaxTokens - trace.Count };
            var (finish, called) = await SegmentAsync(endpoint, info, request, prompt, sampling, index, chat, trace, injector, cancellationToken).ConfigureAwait(false);
            started ??= finish.Started;
            if (segment == 0) trace.FirstPromptTokens = trace.PromptTokens;
            reason = finish.Reason;
            if (!called) break;
            if (trace.Count >= options.MaxTokens) { reason = FinishReason.Length; break; }
            if (request.Control?.IsCancelled(index) == true) { reason = FinishReason.Cancelled; break; }
        }

        if (trace.FirstPromptTokens > 0) _counter.Report(request.Prompt, trace.FirstPromptTokens);
        trace.PromptTokens = trace.FirstPromptTokens > 0 ? trace.FirstPromptTokens : _counter.Count(request.Prompt);
        Interlocked.Add(ref endpoint.GeneratedTokens, trace.Count);
        var elapsed = time.GetElapsedTime(started ?? time.GetTimestamp());
        Debug.Assert(elapsed >= TimeSpan.Zero);
        return trace.ToTrace(index, reason, elapsed, injector?.ToolCalls);
    }

    /// <summary>
    /// One request's stream into <paramref name="trace"/>. Returns why it finished, when its answer started, and whether a
    /// tool call ended it (the tool's answer is then in the trace and the caller continues after it).
    /// </summary>
    private async Task<((FinishReason Reason, long Started) Finish, bool Called)> SegmentAsync(RemoteEndpoint endpoint, RemoteEndpointInfo info, TraceRequest request, string prompt, SamplingOptions options, int index, bool chat, TraceAccumulator trace, ITokenInjector? injector, CancellationToken cancellationToken)
    {
        var cap = _pool.Options.MaxLogProbs;
        var body = chat
            ? OpenAiWire.ChatRequest(info.Model, prompt, options, index, info.VllmLike, cap)
            : OpenAiWire.CompletionRequest(info.Model, prompt, options, index, info.VllmLike, cap);
        var route = chat ? "chat/completions" : "completions";
        var time = _pool.Options.TimeProvider;
        using var deadline = _pool.StartDeadline(cancellationToken);
        using var response = await _pool.SendAsync(endpoint, HttpMethod.Post, route, body, deadline).ConfigureAwait(false);
        var started = time.GetTimestamp();
        var scratch = new List<TokenLogProb>(24);
        var control = request.Control;
        var done = false;
        var called = false;
        FinishReason? cut = null;
        try
        {
            var stream = await response.Content.ReadAsStreamAsync(deadline.Token).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                using var reader = new StreamReader(stream, Encoding.UTF8);
                while (true)
                {
                    deadline.Rearm();
                    var line = await reader.ReadLineAsync(deadline.Token).ConfigureAwait(false);
                    if (line is null) break;
                    if (!line.StartsWith("data:", StringComparison.Ordinal)) continue; // blank separators, comments, event names
                    var data = line.AsSpan(5).Trim();
                    if (data.SequenceEqual("[DONE]")) { done = true; break; }
                    if (!OpenAiWire.ReadChunk(data, chat, trace, _vocabulary, scratch, out var error))
                        throw new RemoteBackendException(endpoint.Address, $"{endpoint} reported an error inside the {route} stream: {error}");
                    // The window fell low before the last token (tokens came after it, maybe in this very chunk).
                    if (trace.LowConfidence && (trace.Finish is null || trace.CutAt is not null)) { cut = FinishReason.LowConfidence; break; }
                    // A token that ends a tool call ends this request: later tokens (of this chunk too) are dropped.
                    if (injector is not null && Call(trace, injector)) { called = true; break; }
                    if (trace.Finish is not null) continue; // read on to the usage chunk and [DONE]
                    if (control is not null && control.IsCancelled(index)) { cut = FinishReason.Cancelled; break; }
                }
            }
        }
        catch (Exception e) when (deadline.TimedOut(e))
        {
            throw new RetryableRemoteFailure($"the {route} stream sent nothing for {_pool.Options.ReadTimeout.TotalSeconds:0.#} s after {trace.Count} tokens", inner: e);
        }
        catch (Exception e) when (e is IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
        {
            throw new RetryableRemoteFailure($"the {route} stream was cut after {trace.Count} tokens ({e.Message})", inner: e);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new RetryableRemoteFailure($"malformed {route} stream chunk ({e.Message})", inner: e);
        }

        if (called) return ((FinishReason.Length, started), true);
        var reason = cut ?? trace.Finish ?? throw new RetryableRemoteFailure(done
            ? $"the {route} stream ended ([DONE]) without a finish_reason after {trace.Count} tokens"
            : $"the {route} stream ended after {trace.Count} tokens before the trace finished");
        return ((reason, started), false);
    }

    /// <summary>
    /// Shows the tokens read since the last call to <paramref name="injector"/>, one by one. When one ends a tool call,
    /// drops the tokens after it, appends the tool's answer and returns true.
    /// </summary>
    private static bool Call(TraceAccumulator trace, ITokenInjector injector)
    {
        for (; trace.Fed < trace.TotalCount; trace.Fed++)
        {
            var k = trace.Fed;
            if (injector.OnText(trace.Piece(k), out var ids) is not { } answer) continue;
            trace.KeepTokens(k + 1);
            trace.AddInjected(answer, ids);
            return true;
        }

        return false;
    }
}
