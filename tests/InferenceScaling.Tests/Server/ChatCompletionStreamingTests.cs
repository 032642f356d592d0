using System.ClientModel;
using System.Diagnostics.Metrics;
using System.Net;
using System.Text;
using System.Text.Json;
using InferenceScaling.Server;
using InferenceScaling.Tests.Runtime;
using OpenAI;
using OpenAI.Chat;

namespace InferenceScaling.Tests.Server;

/// <summary><c>"stream": true</c> on <c>/v1/chat/completions</c>: OpenAI's chunk stream, carrying what the non-streamed completion holds.</summary>
public sealed class ChatCompletionStreamingTests(TinyModelFixture fixture) : IClassFixture<TinyModelFixture>
{
    private const string Path = "/v1/chat/completions";

    internal const string Done = "data: [DONE]";

    /// <summary>The response's events (<c>data: …</c> or <c>: comment</c>), each without its blank line.</summary>
    internal static async Task<List<string>> EventsOf(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        Assert.EndsWith("\n\n", text);
        return [.. text[..^2].Split("\n\n")];
    }

    /// <summary>The JSON data events, in order.</summary>
    internal static List<JsonElement> ChunksOf(IEnumerable<string> events) =>
        [.. events.Where(e => e.StartsWith("data: {", StringComparison.Ordinal)).Select(e => JsonDocument.Parse(e["data: ".Length..]).RootElement.Clone())];

    /// <summary>Per choice index: the concatenated content deltas, the finish reason and the concatenated logprobs entries.</summary>
    internal static Dictionary<int, (string Content, string? Finish, List<string> LogProbs)> Assemble(IEnumerable<JsonElement> chunks)
    {
        var choices = new Dictionary<int, (string Content, string? Finish, List<string> LogProbs)>();
        foreach (var choice in chunks.SelectMany(c => c.GetProperty("choices").EnumerateArray()))
        {
            var index = choice.GetProperty("index").GetInt32();
            var (content, finish, logprobs) = choices.TryGetValue(index, out var sofar) ? sofar : ("", null, []);
            Assert.Null(finish); // nothing follows a choice's finish chunk
            if (choice.GetProperty("delta").TryGetProperty("content", out var text)) content += text.GetString();
            if (choice.GetProperty("logprobs") is { ValueKind: JsonValueKind.Object } lp)
                logprobs.AddRange(lp.GetProperty("content").EnumerateArray().Select(e => e.GetRawText()));
            choices[index] = (content, choice.GetProperty("finish_reason").GetString(), logprobs);
        }

        return choices;
    }

    [Fact]
    public async Task Stream_IsChunksWithOneIdCreatedAndModel_RoleFirst_FinishLast_ThenUsage_ThenDone()
    {
        await using var server = await LoopbackServer.StartAsync(fixture.Model, new ServerOptions { ModelId = "tiny" });
        var events = await EventsOf(await server.PostJsonAsync(Path,
            """{"messages":[{"role":"user","content":"2 + 2"}],"max_tokens":6,"seed":1,"stream":true,"stream_options":{"include_usage":true}}"""));

        Assert.Equal(Done, events[^1]);
        Assert.All(events, e => Assert.StartsWith("data: ", e));
        var chunks = ChunksOf(events);
        Assert.Equal(events.Count - 1, chunks.Count);
        Assert.Equal(4, chunks.Count); // role, content, finish, usage
        var id = chunks[0].GetProperty("id").GetString();
        Assert.StartsWith("chatcmpl-", id);
        var created = chunks[0].GetProperty("created").GetInt64();
        foreach (var chunk in chunks)
        {
            Assert.Equal("chat.completion.chunk", chunk.GetProperty("object").GetString());
            Assert.Equal(id, chunk.GetProperty("id").GetString());
            Assert.Equal(created, chunk.GetProperty("created").GetInt64());
            Assert.Equal("tiny", chunk.GetProperty("model").GetString());
        }

        var choices = chunks.Take(3).Select(c => Assert.Single(c.GetProperty("choices").EnumerateArray())).ToList();
        Assert.Equal("""{"role":"assistant","content":""}""", choices[0].GetProperty("delta").GetRawText());
        Assert.Equal(["content"], choices[1].GetProperty("delta").EnumerateObject().Select(p => p.Name));
        Assert.Equal("{}", choices[2].GetProperty("delta").GetRawText());
        Assert.Equal(JsonValueKind.Null, choices[0].GetProperty("finish_reason").ValueKind);
        Assert.Equal(JsonValueKind.Null, choices[1].GetProperty("finish_reason").ValueKind);
        Assert.Contains(choices[2].GetProperty("finish_reason").GetString(), new[] { "stop", "length" });

        // include_usage: "usage": null on every chunk but the last, which has no choices.
        Assert.All(chunks.Take(3), c => Assert.Equal(JsonValueKind.Null, c.GetProperty("usage").ValueKind));
        Assert.Equal(0, chunks[3].GetProperty("choices").GetArrayLength());
        var usage = chunks[3].GetProperty("usage");
        Assert.True(usage.GetProperty("completion_tokens").GetInt64() > 0);
        Assert.Equal(usage.GetProperty("prompt_tokens").GetInt64() + usage.GetProperty("completion_tokens").GetInt64(), usage.GetProperty("total_tokens").GetInt64());
    }

    [Theory]
    [InlineData("")]
    [InlineData(""","stream_options":null""")]
    // include_obfuscation is OpenAI's; accepted and ignored (no padding field).
    [InlineData(""","stream_options":{"include_usage":false,"include_obfuscation":true}""")]
    public async Task Stream_WithoutIncludeUsage_HasNoUsageField(string streamOptions)
    {
        await using var server = await LoopbackServer.StartAsync(fixture.Model);
        var events = await EventsOf(await server.PostJsonAsync(Path, $$"""{"messages":[{"role":"user","content":"2 + 2"}],"max_tokens":4,"stream":true{{streamOptions}}}"""));

        Assert.Equal(Done, events[^1]);
        var chunks = ChunksOf(events);
        Assert.Equal(3, chunks.Count);
        Assert.All(chunks, c => Assert.Equal(["id", "object", "created", "model", "choices"], c.EnumerateObject().Select(p => p.Name)));
    }

    [Fact]
    public async Task Stream_WithNChoices_DeltasAddUpToTheNonStreamedCompletion_LogprobsAndUsageIncluded()
    {
        await using var server = await LoopbackServer.StartAsync(fixture.Model);
        const string request = """{"messages":[{"role":"user","content":"7 + 5"}],"temperature":1,"seed":11,"n":3,"max_tokens":8,"logprobs":true,"top_logprobs":2""";
        var expected = await LoopbackServer.ReadJsonAsync(await server.PostJsonAsync(Path, request + "}"));
        var events = await EventsOf(await server.PostJsonAsync(Path, request + ""","stream":true,"stream_options":{"include_usage":true}}"""));

        Assert.Equal(Done, events[^1]);
        var chunks = ChunksOf(events);
        // One role chunk per choice before any text.
        Assert.Equal([0, 1, 2], chunks.Take(3).Select(c => c.GetProperty("choices")[0].GetProperty("index").GetInt32()));
        Assert.All(chunks.Take(3), c => Assert.Equal("assistant", c.GetProperty("choices")[0].GetProperty("delta").GetProperty("role").GetString()));
        var streamed = Assemble(chunks);
        Assert.Equal(3, streamed.Count);
        foreach (var choice in expected.GetProperty("choices").EnumerateArray())
        {
            var (content, finish, logprobs) = streamed[choice.GetProperty("index").GetInt32()];
            Assert.Equal(choice.GetProperty("message").GetProperty("content").GetString(), content);
            Assert.Equal(choice.GetProperty("finish_reason").GetString(), finish);
            Assert.Equal(choice.GetProperty("logprobs").GetProperty("content").EnumerateArray().Select(e => e.GetRawText()), logprobs);
        }

        Assert.Equal(expected.GetProperty("usage").GetRawText(), chunks[^1].GetProperty("usage").GetRawText());
    }

    [Theory]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":true,"colour":1}}""", "stream_options.colour", "unknown_field")]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":"yes"}}""", "stream_options.include_usage", "invalid_type")]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":true}""", "stream_options", "invalid_type")]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}],"stream_options":{"include_usage":true}}""", "stream_options", "invalid_value")]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}],"stream":"yes"}""", "stream", "invalid_type")]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}],"stream":true,"temperature":9}""", "temperature", "invalid_value")]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}],"stream":true,"budget":"lavish"}""", "budget", "invalid_budget")]
    public async Task Stream_BadInput_IsAJson400BeforeAnyEvent(string json, string param, string code)
    {
        await using var server = await LoopbackServer.StartAsync(fixture.Model);
        var response = await server.PostJsonAsync(Path, json);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var error = (await LoopbackServer.ReadJsonAsync(response)).GetProperty("error");
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.Equal(code, error.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Stream_PromptBeyondTheContext_IsAJson400BeforeAnyEvent()
    {
        await using var server = await LoopbackServer.StartAsync(fixture.Model);
        var question = string.Concat(Enumerable.Repeat("apples ", 150));
        var response = await server.PostJsonAsync(Path, $$"""{"messages":[{"role":"user","content":"{{question}}"}],"stream":true}""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("context_length_exceeded", (await LoopbackServer.ReadJsonAsync(response)).GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Stream_SendsItsRoleChunkBeforeDecoding_AndHoldsItsAdmissionSlotUntilDone()
    {
        await using var server = await LoopbackServer.StartAsync(fixture.Model, new ServerOptions { MaxConcurrentRequests = 1 }, paused: true);
        using var response = await server.PostStreamingAsync(Path, """{"messages":[{"role":"user","content":"2 + 2"}],"max_tokens":3,"stream":true}""");
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());

        // The scheduler has not decoded a step, yet the role chunk is here.
        var first = await reader.ReadLineAsync();
        Assert.Equal("assistant", JsonDocument.Parse(first!["data: ".Length..]).RootElement.GetProperty("choices")[0].GetProperty("delta").GetProperty("role").GetString());
        Assert.Equal("", await reader.ReadLineAsync());
        Assert.Equal(0, server.Scheduler.Statistics.DecodeSteps);

        // The stream still counts as in flight: a second request is refused with the usual JSON 429.
        using var second = await server.PostStreamingAsync(Path, """{"messages":[{"role":"user","content":"3 + 3"}],"max_tokens":3,"stream":true}""");
        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.Equal("rate_limit_exceeded", (await LoopbackServer.ReadJsonAsync(second)).GetProperty("error").GetProperty("code").GetString());

        server.Scheduler.Start();
        var rest = await reader.ReadToEndAsync();
        Assert.EndsWith("\n\n" + Done + "\n\n", rest);
    }

    [Fact]
    public async Task Stream_FailingAfterTheHeaders_EndsWithAnErrorEventAndNoDone()
    {
        await using var server = await LoopbackServer.StartAsync(fixture.Model, paused: true);
        using var response = await server.PostStreamingAsync(Path, """{"messages":[{"role":"user","content":"2 + 2"}],"max_tokens":3,"stream":true}""");
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.StartsWith("data: {", await reader.ReadLineAsync());
        await server.Scheduler.WaitForQueueLengthAsync(1);

        // The scheduler stops under the queued request, after the 200 and the role chunk were sent.
        await server.Scheduler.DisposeAsync();
        var rest = await reader.ReadToEndAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var events = rest.Trim('\n').Split("\n\n");
        var last = JsonDocument.Parse(Assert.Single(events)["data: ".Length..]).RootElement;
        var error = last.GetProperty("error");
        Assert.Equal("shutting_down", error.GetProperty("code").GetString());
        Assert.Equal("server_error", error.GetProperty("type").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        Assert.DoesNotContain("[DONE]", rest);
    }

    [Fact]
    public async Task Stream_ClientDisconnect_CancelsTheWork()
    {
        // The request is answered 499 (and recorded so) only once its work has stopped: the scheduler is paused, so
        // nothing but the client's leaving can end it.
        var left = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "inferencescaling.server.request.duration") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<double>((_, _, tags, _) =>
        {
            object? endpoint = null, status = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "endpoint") endpoint = tag.Value;
                if (tag.Key == "status") status = tag.Value;
            }

            if (endpoint is "chat_completions" && status is 499) left.TrySetResult();
        });
        listener.Start();
        await using var server = await LoopbackServer.StartAsync(fixture.Model, new ServerOptions { MaxConcurrentRequests = 1 }, paused: true);
        // No draining of the unread body on dispose: the connection closes at once.
        using (var client = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 }))
        {
            var response = await server.PostStreamingAsync(Path, """{"messages":[{"role":"user","content":"2 + 2"}],"budget":"samples=4","stream":true}""", client);
            var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            Assert.StartsWith("data: {", await reader.ReadLineAsync());
            await server.Scheduler.WaitForQueueLengthAsync(1);
            response.Dispose();
        }

        await left.Task.WaitAsync(TimeSpan.FromSeconds(30));
        // Its admission slot is free again, and the decode loop drops the abandoned request instead of decoding it.
        server.Scheduler.Start();
        var next = await server.PostJsonAsync(Path, """{"messages":[{"role":"user","content":"3 + 3"}],"max_tokens":3}""");
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.Equal(1, server.Scheduler.Statistics.RequestsAbandoned);
    }

    [Fact]
    public async Task TheOpenAISdk_StreamsTheSameCompletionItGetsUnstreamed()
    {
        await using var server = await LoopbackServer.StartAsync(fixture.Model, new ServerOptions { ApiKey = "k", ModelId = "tiny" });
        var client = new ChatClient("tiny", new ApiKeyCredential("k"), new OpenAIClientOptions { Endpoint = new Uri(server.Address, "/v1") });
        ChatMessage[] messages = [new SystemChatMessage("You are terse."), new UserChatMessage("2 + 2")];
        ChatCompletion completion = await client.CompleteChatAsync(messages, new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 5 });

        var text = new StringBuilder();
        ChatFinishReason? finish = null;
        ChatTokenUsage? usage = null;
        await foreach (var update in client.CompleteChatStreamingAsync(messages, new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 5 }))
        {
            Assert.Equal("tiny", update.Model);
            foreach (var part in update.ContentUpdate) text.Append(part.Text);
            finish ??= update.FinishReason;
            usage ??= update.Usage;
        }

        Assert.Equal(completion.Content[0].Text, text.ToString());
        Assert.Equal(completion.FinishReason, finish);
        Assert.NotNull(usage);
        Assert.Equal(completion.Usage.OutputTokenCount, usage.OutputTokenCount);
        Assert.Equal(completion.Usage.InputTokenCount, usage.InputTokenCount);
    }
}
