using System.Net;
using System.Text.Json;
using InferenceScaling.Runtime;
using InferenceScaling.Sampling;
using InferenceScaling.Tests.Models;

namespace InferenceScaling.Tests.Server;

/// <summary><c>/v1/completions</c> over real loopback HTTP on the shipped model.</summary>
public sealed class CompletionsEndpointTests(ShippedModelFixture fixture) : IClassFixture<ShippedModelFixture>
{
    private const string Question = "Q: Tom has 12 apples. He buys 7 more. How many apples does he have?\nA:";

    private static async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(LoopbackServer server, string json)
    {
        var response = await server.PostJsonAsync("/v1/completions", json);
        return (response.StatusCode, await LoopbackServer.ReadJsonAsync(response));
    }

    [Fact]
    public async Task GreedyCompletion_IsTheLocalGreedyTrace_WithConsistentLogprobs()
    {
        await using var server = await LoopbackServer.StartAsync(fixture.Model);
        var local = (await new OnnxTraceGenerator(fixture.Model).GenerateAllAsync(new TraceRequest
        {
            Prompt = Question,
            Sampling = new SamplingOptions { Temperature = 0, MaxTokens = 40, TopLogProbs = 2 },
        }))[0];

        var (status, body) = await PostAsync(server, $$"""{"model":"arith-mini","prompt":{{JsonSerializer.Serialize(Question)}},"max_tokens":40,"temperature":0,"logprobs":2}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("text_completion", body.GetProperty("object").GetString());
        var choice = body.GetProperty("choices")[0];
        Assert.Equal(local.Text, choice.GetProperty("text").GetString());
        var lp = choice.GetProperty("logprobs");
        var tokens = lp.GetProperty("tokens").EnumerateArray().Select(t => t.GetString()!).ToArray();
        Assert.Equal(local.TokenIds.Count, tokens.Length);
        var values = lp.GetProperty("token_logprobs").EnumerateArray().Select(v => v.GetSingle()).ToArray();
        for (var i = 0; i < values.Length; i++) Assert.Equal(local.TokenLogProbs[i], values[i], 4);
        var offsets = lp.GetProperty("text_offset").EnumerateArray().Select(v => v.GetInt32()).ToArray();
        for (var i = 0; i < offsets.Length; i++) Assert.Equal(string.Concat(tokens[..i]).Length, offsets[i]);
        var top = lp.GetProperty("top_logprobs")[0];
        Assert.True(top.TryGetProperty(tokens[0], out var chosen));
        Assert.Equal(values[0], chosen.GetSingle());
        Assert.Equal(local.FinishReason == FinishReason.Length ? "length" : "stop", choice.GetProperty("finish_reason").GetString());
        var usage = body.GetProperty("usage");
        Assert.Equal(fixture.Model.Tokenizer.Encode(Question).Length, usage.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(local.GeneratedTokens, usage.GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task EchoWithZeroMaxTokens_GivesThePromptsLogProbs_FirstNull()
    {
        await using var server = await LoopbackServer.StartAsync(fixture.Model);
        const string prompt = "Calc: 46-36=10.";
        var ids = fixture.Model.Tokenizer.Encode(prompt);
        var expected = (await new OnnxContinuationScorer(fixture.Model).ScoreTokensAsync([ids]))[0];

        var (status, body) = await PostAsync(server, """{"prompt":"Calc: 46-36=10.","max_tokens":0,"echo":true,"logprobs":1}""");

        Assert.Equal(HttpStatusCode.OK, status);
        var choice = body.GetProperty("choices")[0];
        Assert.Equal(prompt, choice.GetProperty("text").GetString());
        var values = choice.GetProperty("logprobs").GetProperty("token_logprobs");
        Assert.Equal(ids.Length, values.GetArrayLength());
        Assert.Equal(JsonValueKind.Null, values[0].ValueKind);
        Assert.Equal(JsonValueKind.Null, choice.GetProperty("logprobs").GetProperty("top_logprobs")[0].ValueKind);
        for (var i = 1; i < ids.Length; i++) Assert.Equal(expected.TokenLogProbs[i - 1], values[i].GetSingle(), 5);
        Assert.Equal(0, body.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        // The echo was scored at the scheduler's row admission, not beside it.
        Assert.Equal(1, server.State.Scheduler.Statistics.ScoringPasses);
    }

    [Fact]
    public async Task LmEvalLogLikelihoodRequest_ScoresTheContinuationLikeTheLocalScorer()
    {
        await using var server = await LoopbackServer.StartAsync(fixture.Model);
        var context = fixture.Model.Tokenizer.Encode("Calc: 46-36=");
        var expected = (await new OnnxContinuationScorer(fixture.Model).ScoreAsync([new Continuation("Calc: 46-36=", "10.")]))[0];

        // lm-eval-harness (local-completions): echo, max_tokens 1, logprobs 1, temperature 0; it reads [ctxlen:-1].
        var (_, body) = await PostAsync(server, """{"model":"arith-mini","prompt":"Calc: 46-36=10.","max_tokens":1,"echo":true,"logprobs":1,"temperature":0,"seed":1234}""");

        var lp = body.GetProperty("choices")[0].GetProperty("logprobs");
        var values = lp.GetProperty("token_logprobs").EnumerateArray().ToArray();
        Assert.Equal(context.Length + expected.TokenLogProbs.Count + 1, values.Length);
        var sum = values[context.Length..^1].Sum(v => v.GetDouble());
        Assert.Equal(expected.LogProb, sum, 4);
        // Greedy check as lm-eval does it: every continuation token is its position's top entry.
        var tokens = lp.GetProperty("tokens").EnumerateArray().Select(t => t.GetString()!).ToArray();
        var tops = lp.GetProperty("top_logprobs").EnumerateArray().ToArray();
        var greedy = Enumerable.Range(context.Length, expected.TokenLogProbs.Count)
            .All(i => tops[i].EnumerateObject().MaxBy(p => p.Value.GetSingle()).Name == tokens[i]);
        Assert.Equal(expected.IsGreedy, greedy);
    }

    [Fact]
    public async Task TokenIdPrompts_AndSeveralPrompts_GiveChoicesPromptMajor()
    {
        await using var server = await LoopbackServer.StartAsync(fixture.Model);
        var ids = fixture.Model.Tokenizer.Encode(Question);

        var (status, body) = await PostAsync(server, $$"""{"prompt":[{{JsonSerializer.Serialize(Question)}},[{{string.Join(",", ids)}}]],"n":2,"max_tokens":24,"temperature":0,"return_tokens_as_token_ids":true,"logprobs":0}""");

        Assert.Equal(HttpStatusCode.OK, status);
        var choices = body.GetProperty("choices").EnumerateArray().ToArray();
        Assert.Equal([0, 1, 2, 3], choices.Select(c => c.GetProperty("index").GetInt32()));
        Assert.All(choices, c => Assert.Equal(choices[0].GetProperty("text").GetString(), c.GetProperty("text").GetString()));
        Assert.StartsWith("token_id:", choices[0].GetProperty("logprobs").GetProperty("tokens")[0].GetString());
        Assert.Equal(2 * ids.Length, body.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }

    [Fact]
    public async Task StopString_EndsTheChoice_AndIsTheStopReason()
    {
        await using var server = await LoopbackServer.StartAsync(fixture.Model);

        var (_, body) = await PostAsync(server, $$"""{"prompt":{{JsonSerializer.Serialize(Question)}},"max_tokens":60,"temperature":0,"stop":["="]}""");

        var choice = body.GetProperty("choices")[0];
        Assert.DoesNotContain("=", choice.GetProperty("text").GetString());
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
        Assert.Equal("=", choice.GetProperty("stop_reason").GetString());
    }

    [Fact]
    public async Task Stream_SendsEachChoiceThenUsageThenDone()
    {
        await using var server = await LoopbackServer.StartAsync(fixture.Model);

        var response = await server.PostStreamingAsync("/v1/completions", $$"""{"prompt":{{JsonSerializer.Serialize(Question)}},"n":3,"max_tokens":20,"seed":7,"stream":true,"stream_options":{"include_usage":true},"logprobs":1}""");
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n').Where(l => l.StartsWith("data: ")).Select(l => l[6..]).ToArray();

        Assert.Equal("[DONE]", lines[^1]);
        var chunks = lines[..^1].Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal(4, chunks.Length);
        Assert.Equal([0, 1, 2], chunks[..3].Select(c => c.GetProperty("choices")[0].GetProperty("index").GetInt32()).Order());
        Assert.All(chunks[..3], c => Assert.NotNull(c.GetProperty("choices")[0].GetProperty("finish_reason").GetString()));
        Assert.Equal(0, chunks[3].GetProperty("choices").GetArrayLength());
        var completion = chunks[..3].Sum(c => c.GetProperty("choices")[0].GetProperty("logprobs").GetProperty("tokens").GetArrayLength());
        Assert.Equal(completion, chunks[3].GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Theory]
    [InlineData("""{"model":"gpt-4","prompt":"x"}""", 404, "model", "model_not_found")]
    [InlineData("""{"prompt":"Q: 1+1\nA:","max_tokens":0}""", 400, "max_tokens", null)]
    [InlineData("""{"prompt":[1,2,999999]}""", 400, "prompt[2]", null)]
    [InlineData("""{"prompt":"x","logprobs":21}""", 400, "logprobs", null)]
    [InlineData("""{"prompt":"x","frobnicate":1}""", 400, "frobnicate", "unknown_field")]
    [InlineData("""{"max_tokens":4}""", 400, "prompt", "missing_field")]
    [InlineData("""{"prompt":"x","max_tokens":100000}""", 400, "max_tokens", null)]
    public async Task BadRequests_GetTheOpenAiErrorShapeNamingTheField(string json, int status, string param, string? code)
    {
        await using var server = await LoopbackServer.StartAsync(fixture.Model);

        var (got, body) = await PostAsync(server, json);

        Assert.Equal(status, (int)got);
        var error = body.GetProperty("error");
        Assert.Equal(param, error.GetProperty("param").GetString());
        if (code is not null) Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
    }

    [Fact]
    public async Task PromptLongerThanTheContext_IsContextLengthExceeded()
    {
        await using var server = await LoopbackServer.StartAsync(fixture.Model);
        var longPrompt = string.Concat(Enumerable.Repeat("Tom has 12 apples. ", 200));

        var (got, body) = await PostAsync(server, $$"""{"prompt":{{JsonSerializer.Serialize(longPrompt)}},"max_tokens":8}""");

        Assert.Equal(HttpStatusCode.BadRequest, got);
        Assert.Equal("context_length_exceeded", body.GetProperty("error").GetProperty("code").GetString());
    }
}
