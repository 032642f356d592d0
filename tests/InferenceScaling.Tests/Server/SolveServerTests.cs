using System.ClientModel;
using System.Net;
using System.Text.Json;
using InferenceScaling.Runtime;
using InferenceScaling.Sampling;
using InferenceScaling.Server;
using InferenceScaling.Tests.Runtime;
using OpenAI;
using OpenAI.Chat;

namespace InferenceScaling.Tests.Server;

public sealed class SolveServerTests(TinyModelFixture fixture) : IClassFixture<TinyModelFixture>
{
    private static async Task<JsonElement> ErrorOf(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        var body = await LoopbackServer.ReadJsonAsync(response);
        var error = body.GetProperty("error");
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        Assert.True(error.TryGetProperty("type", out _));
        Assert.True(error.TryGetProperty("param", out _));
        Assert.True(error.TryGetProperty("code", out _));
        return error;
    }

    [Fact]
    public async Task Healthz_Models_AndMetrics_Answer()
    {
        await using var server = await LoopbackServer.StartAsync(fixture.Model, new ServerOptions { ModelId = "tiny" });
        var health = await LoopbackServer.ReadJsonAsync(await server.Client.GetAsync("/healthz"));
        Assert.Equal("ok", health.GetProperty("status").GetString());
        var models = await LoopbackServer.ReadJsonAsync(await server.Client.GetAsync("/v1/models"));
        Assert.Equal("tiny", models.GetProperty("data")[0].GetProperty("id").GetString());

        (await server.PostJsonAsync("/v1/solve", """{"question":"2 + 3","budget":{"samples":2,"confidence":null}}""")).EnsureSuccessStatusCode();
        var metrics = await server.Client.GetStringAsync("/metrics");
        Assert.Contains("inferencescaling_scheduler_queue_length", metrics);
        Assert.Contains("inferencescaling_scheduler_active_rows", metrics);
        Assert.Contains("inferencescaling_scheduler_tokens_per_second", metrics);
        Assert.Contains("inferencescaling_server_request_duration", metrics);
    }

    [Fact]
    public async Task Solve_ReturnsTheVoteUsageAndStopReason()
    {
        await using var server = await LoopbackServer.StartAsync(fixture.Model);
        var response = await server.PostJsonAsync("/v1/solve", """{"question":"What is 2 + 3?","budget":{"samples":3,"tokens":1000,"confidence":null},"return_traces":true}""");
        var body = await LoopbackServer.ReadJsonAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("completed", body.GetProperty("stop_reason").GetString());
        Assert.Equal("vote", body.GetProperty("stage").GetString());
        Assert.False(body.GetProperty("deadline_reached").GetBoolean());
        Assert.Equal(0, body.GetProperty("refinement_rounds").GetArrayLength());
        Assert.Equal(3, body.GetProperty("traces").GetArrayLength());
        var usage = body.GetProperty("usage");
        Assert.Equal(3, usage.GetProperty("samples").GetInt32());
        Assert.True(usage.GetProperty("forward_passes").GetInt64() > 0);
        Assert.True(usage.GetProperty("prompt_tokens").GetInt64() > 0);
        Assert.Equal(JsonValueKind.Array, body.GetProperty("distribution").ValueKind);
    }

    [Theory]
    [InlineData("{\"question\": ", null, "invalid_json")]
    [InlineData("[1, 2]", null, "invalid_json")]
    [InlineData("{}", "question", "missing_field")]
    [InlineData("{\"question\": 42}", "question", "invalid_type")]
    [InlineData("{\"question\": \"   \"}", "question", "invalid_value")]
    [InlineData("{\"question\": \"2+2\", \"colour\": \"red\"}", "colour", "unknown_field")]
    [InlineData("{\"question\": \"2+2\", \"budget\": \"lavish\"}", "budget", "invalid_budget")]
    [InlineData("{\"question\": \"2+2\", \"budget\": 3}", "budget", "invalid_budget")]
    [InlineData("{\"question\": \"2+2\", \"budget\": {\"samples\": 0}}", "budget.samples", "invalid_value")]
    [InlineData("{\"question\": \"2+2\", \"budget\": {\"samples\": 100000}}", "budget.samples", "invalid_value")]
    [InlineData("{\"question\": \"2+2\", \"budget\": {\"deadline_ms\": -5}}", "budget.deadline_ms", "invalid_value")]
    [InlineData("{\"question\": \"2+2\", \"budget\": {\"confidence\": 1.5}}", "budget.confidence", "invalid_value")]
    [InlineData("{\"question\": \"2+2\", \"budget\": {\"speed\": 1}}", "budget.speed", "unknown_field")]
    [InlineData("{\"question\": \"2+2\", \"budget\": [1]}", "budget", "invalid_type")]
    [InlineData("{\"question\": \"2+2\", \"return_traces\": \"yes\"}", "return_traces", "invalid_type")]
    public async Task Solve_BadInput_Is400NamingTheProblem(string json, string? param, string code)
    {
        await using var server = await LoopbackServer.StartAsync(fixture.Model);
        var error = await ErrorOf(await server.PostJsonAsync("/v1/solve", json), HttpStatusCode.BadRequest);
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.Equal(code, error.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Solve_TooLongQuestionsAndBodies_AreRejected()
    {
        await using var server = await LoopbackServer.StartAsync(fixture.Model, new ServerOptions { MaxQuestionChars = 1500, MaxBodyBytes = 4096 });
        var longQuestion = await ErrorOf(await server.PostJsonAsync("/v1/solve", $"{{\"question\":\"{new string('7', 1600)}\"}}"), HttpStatusCode.BadRequest);
        Assert.Equal("too_long", longQuestion.GetProperty("code").GetString());
        // Within the character limit but beyond the tiny model's 96-token context.
        var context = await ErrorOf(await server.PostJsonAsync("/v1/solve", $"{{\"question\":\"{string.Concat(Enumerable.Repeat("apples ", 150))}\"}}"), HttpStatusCode.BadRequest);
        Assert.Equal("context_length_exceeded", context.GetProperty("code").GetString());
        var big = await ErrorOf(await server.PostJsonAsync("/v1/solve", $"{{\"question\":\"2\",\"pad\":\"{new string('x', 5000)}\"}}"), HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal("request_too_large", big.GetProperty("code").GetString());
    }

    [Fact]
    public async Task ApiKey_WhenConfigured_IsRequiredOnV1Only()
    {
        await using var server = await LoopbackServer.StartAsync(fixture.Model, new ServerOptions { ApiKey = "sesame" });
        var denied = await ErrorOf(await server.Client.GetAsync("/v1/models"), HttpStatusCode.Unauthorized);
        Assert.Equal("invalid_api_key", denied.GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/healthz")).StatusCode);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/models");
        request.Headers.Authorization = new("Bearer", "sesame");
        Assert.Equal(HttpStatusCode.OK, (await server.Client.SendAsync(request)).StatusCode);
    }

    [Fact]
    public async Task AFullServer_Answers429WithRetryAfter()
    {
        await using var server = await LoopbackServer.StartAsync(fixture.Model, new ServerOptions { MaxConcurrentRequests = 1 }, paused: true);
        var first = server.PostJsonAsync("/v1/chat/completions", """{"messages":[{"role":"user","content":"2+2"}],"max_tokens":3}""");
        await server.Scheduler.WaitForQueueLengthAsync(1);
        var second = await server.PostJsonAsync("/v1/chat/completions", """{"messages":[{"role":"user","content":"3+3"}],"max_tokens":3}""");
        var error = await ErrorOf(second, HttpStatusCode.TooManyRequests);
        Assert.Equal("rate_limit_exceeded", error.GetProperty("code").GetString());
        Assert.NotNull(second.Headers.RetryAfter);
        server.Scheduler.Start();
        Assert.Equal(HttpStatusCode.OK, (await first).StatusCode);
    }

    [Fact]
    public async Task ConcurrentChatRequests_ShareDecodeSteps_AndEachGetsItsOwnCompletion()
    {
        await using var server = await LoopbackServer.StartAsync(fixture.Model, paused: true);
        const int clients = 6;
        var responses = Enumerable.Range(0, clients).Select(i => server.PostJsonAsync("/v1/chat/completions",
            $$"""{"model":"x","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"{{i}} + 1"}],"temperature":1,"seed":{{i}},"n":2,"max_tokens":6}""")).ToArray();
        await server.Scheduler.WaitForQueueLengthAsync(clients);
        server.Scheduler.Start();
        var bodies = await Task.WhenAll(responses.Select(async r => await LoopbackServer.ReadJsonAsync(await r)));

        Assert.Equal(clients, server.Scheduler.Statistics.MaxRequestsInOneStep);
        var generator = new OnnxTraceGenerator(fixture.Model);
        var prompts = InferenceScaling.Prompts.PromptSet.Find("arith");
        for (var i = 0; i < clients; i++)
        {
            var expected = await generator.GenerateAllAsync(new TraceRequest
            {
                Prompt = prompts.Solve($"{i} + 1"),
                Count = 2,
                Sampling = new SamplingOptions { Temperature = 1, Seed = (ulong)i, MaxTokens = 6, StopStrings = prompts.StopStrings },
            });
            var choices = bodies[i].GetProperty("choices");
            Assert.Equal(2, choices.GetArrayLength());
            for (var c = 0; c < 2; c++) Assert.Equal(expected[c].Text, choices[c].GetProperty("message").GetProperty("content").GetString());
        }
    }

    [Fact]
    public async Task ChatCompletion_WithBudget_ReturnsTheWinningTraceAndTheVote()
    {
        await using var server = await LoopbackServer.StartAsync(fixture.Model);
        var response = await server.PostJsonAsync("/v1/chat/completions",
            """{"messages":[{"role":"user","content":[{"type":"text","text":"2 + 2"}]}],"max_tokens":8,"seed":3,"logprobs":true,"top_logprobs":2,"budget":"samples=3,confidence=none"}""");
        var body = await LoopbackServer.ReadJsonAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, body.GetProperty("choices").GetArrayLength());
        var vote = body.GetProperty("self_consistency");
        Assert.Equal(3, vote.GetProperty("traces_drawn").GetInt32());
        Assert.Equal("completed", vote.GetProperty("stop_reason").GetString());
        Assert.True(body.GetProperty("usage").GetProperty("completion_tokens").GetInt64() > 0);
    }

    [Theory]
    [InlineData("""{"messages":[]}""", "messages")]
    [InlineData("""{"messages":"hi"}""", "messages")]
    [InlineData("""{"messages":[{"role":"robot","content":"hi"}]}""", "messages[0].role")]
    [InlineData("""{"messages":[{"role":"system","content":"hi"}]}""", "messages")]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}],"temperature":"hot"}""", "temperature")]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}],"n":0}""", "n")]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}],"top_logprobs":3}""", "top_logprobs")]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"web_search"}}]}""", "tools")]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}],"tool_choice":"auto"}""", "tool_choice")]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}],"n":2,"budget":"fast"}""", "n")]
    public async Task ChatCompletion_BadInput_Is400NamingTheParam(string json, string param)
    {
        await using var server = await LoopbackServer.StartAsync(fixture.Model);
        var error = await ErrorOf(await server.PostJsonAsync("/v1/chat/completions", json), HttpStatusCode.BadRequest);
        Assert.Equal(param, error.GetProperty("param").GetString());
    }

    [Fact]
    public async Task TheOpenAISdk_RoundTripsAChatCompletion()
    {
        await using var server = await LoopbackServer.StartAsync(fixture.Model, new ServerOptions { ApiKey = "k", ModelId = "tiny" });
        var client = new ChatClient("tiny", new ApiKeyCredential("k"), new OpenAIClientOptions { Endpoint = new Uri(server.Address, "/v1") });
        ChatCompletion completion = await client.CompleteChatAsync(
            [new SystemChatMessage("You are terse."), new UserChatMessage("2 + 2")],
            new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 5, IncludeLogProbabilities = true, TopLogProbabilityCount = 2 });

        Assert.Equal(ChatMessageRole.Assistant, completion.Role);
        Assert.Equal("tiny", completion.Model);
        Assert.NotNull(completion.Content[0].Text);
        Assert.True(completion.Usage.OutputTokenCount > 0);
        Assert.Equal(completion.Usage.OutputTokenCount, completion.ContentTokenLogProbabilities.Count);
        Assert.Equal(2, completion.ContentTokenLogProbabilities[0].TopLogProbabilities.Count);
    }
}
