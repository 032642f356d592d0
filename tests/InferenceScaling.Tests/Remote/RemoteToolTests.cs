using System.Text.Json.Nodes;
using InferenceScaling.Prompts;
using InferenceScaling.Remote;
using InferenceScaling.Sampling;
using InferenceScaling.Tests.Fakes;
using InferenceScaling.Tests.Tokenization;
using InferenceScaling.Tokenization;
using InferenceScaling.Tools;

namespace InferenceScaling.Tests.Remote;

/// <summary>
/// Tools over the remote generator, against a scripted OpenAI-compatible endpoint: the stream is dropped at the token
/// that ends a call, the tool's answer is appended and a continuation request goes on from the text so far.
/// </summary>
public sealed class RemoteToolTests
{
    private const int QwenVocabulary = 151665;
    private const string Prompt = "Q: 521+9\nA:";

    private static readonly Lazy<ModelTokenizer> Qwen = new(() => TokenizerFixtures.Load("qwen2.5"));

    private static ToolSet Tools(string set) =>
        ToolSet.FromPromptSet(PromptSet.Load(Path.Combine(RepoPaths.Root, "prompts", set)), ["calc"], Qwen.Value, QwenVocabulary);

    private static RemoteBackend Backend(FakeEndpoints fake, RemoteApi api = RemoteApi.Auto) =>
        RemoteBackend.Create(new RemoteBackendOptions
        {
            Endpoints = [FakeEndpoints.Url("a")],
            RetryBaseDelay = TimeSpan.Zero,
            ReadTimeout = TimeSpan.FromSeconds(30),
            TimeProvider = new ManualTimeProvider(),
            Api = api,
        }, fake);

    private static TraceRequest Request(int maxTokens = 16, string prompt = Prompt) => new()
    {
        Prompt = prompt,
        Sampling = new SamplingOptions { Seed = 7, ConfidenceTopK = 2, MaxTokens = maxTokens },
    };

    /// <summary>
    /// A vLLM completion stream chunk holding <paramref name="tokens"/> (ids 100 up from <paramref name="firstId"/>),
    /// with text offsets from <paramref name="offset"/> as vLLM counts them (from the start of this request's text).
    /// </summary>
    private static string Chunk(int offset, int firstId, string[] tokens, string? finish = null)
    {
        var offsets = new JsonArray();
        var ids = new JsonArray();
        var logProbs = new JsonArray();
        var tops = new JsonArray();
        for (var i = 0; i < tokens.Length; i++)
        {
            offsets.Add(offset);
            offset += tokens[i].Length;
            ids.Add($"token_id:{firstId + i}");
            logProbs.Add(-0.25);
            tops.Add(new JsonObject { [$"token_id:{firstId + i}"] = -0.25, [$"token_id:{firstId + i + 1000}"] = -1.75 });
        }

        var choice = new JsonObject
        {
            ["index"] = 0,
            ["text"] = string.Concat(tokens),
            ["logprobs"] = new JsonObject { ["text_offset"] = offsets, ["token_logprobs"] = logProbs, ["tokens"] = ids, ["top_logprobs"] = tops },
            ["finish_reason"] = finish,
            ["stop_reason"] = null,
        };
        return new JsonObject { ["id"] = "cmpl-t", ["object"] = "text_completion", ["model"] = "fake-model", ["choices"] = new JsonArray(choice) }.ToJsonString();
    }

    /// <summary>A whole stream writing <paramref name="tokens"/> one per chunk, then <paramref name="finish"/>.</summary>
    private static HttpResponseMessage Stream(string[] tokens, string finish = "stop", int firstId = 100)
    {
        var chunks = new List<string>();
        var offset = 0;
        for (var i = 0; i < tokens.Length; i++)
        {
            chunks.Add(Chunk(offset, firstId + i, [tokens[i]], i == tokens.Length - 1 ? finish : null));
            offset += tokens[i].Length;
        }

        return FakeEndpoints.Sse(chunks);
    }

    private static string PromptOf(FakeEndpoints.Received r) => r.Body.GetProperty("prompt").GetString()!;

    private static int[] Ids(string text) => Qwen.Value.Encode(text);

    [Fact]
    public async Task ACallMidTrace_DropsTheRestOfTheStream_AndContinuesAfterTheToolsAnswer()
    {
        var fake = new FakeEndpoints();
        fake.On("a", r => PromptOf(r) switch
        {
            // The model would write a wrong value; the chunk that ends the call also brings it, and it is dropped.
            Prompt => FakeEndpoints.Sse([Chunk(0, 100, [" 521", "+"]), Chunk(5, 102, ["9", "=", "420", "."]), Chunk(11, 106, [" Answer: 420"], "stop")]),
            Prompt + " 521+9=530." => Stream([" Answer", ": 530"], firstId: 200),
            var other => throw new InvalidOperationException($"unexpected prompt '{other}'"),
        });
        using var backend = Backend(fake);

        var trace = await backend.TraceGenerator.UseTools(Tools("arith")).GenerateOneAsync(Request());

        Assert.Equal(" 521+9=530. Answer: 530", trace.Text);
        var answer = Ids("530.");
        Assert.Equal([100, 101, 102, 103, .. answer, 200, 201], trace.TokenIds);
        Assert.Equal(new ToolCall("calculator", "521+9", "530", 4, answer.Length, IsError: false), Assert.Single(trace.ToolCalls));
        Assert.Equal(answer.Length, trace.InjectedTokens);
        Assert.Equal(6, trace.GeneratedTokens);
        Assert.All(Enumerable.Range(0, trace.TokenIds.Count), k => Assert.Equal(k >= 4 && k < 4 + answer.Length, trace.IsInjected(k)));
        // Injected tokens were not drawn: no log-prob, no confidence.
        Assert.All(Enumerable.Range(4, answer.Length), k => Assert.Equal((0f, 0f), (trace.TokenLogProbs[k], trace.TokenConfidences[k])));
        Assert.Equal(6 * -0.25, trace.TotalLogProb, 5);
        Assert.Equal(FinishReason.EndOfSequence, trace.FinishReason);
        Assert.Equal(6 + answer.Length + 1, trace.DecodeSteps);

        var bodies = fake.Requests.Where(r => r.Route == "completions").Select(r => r.Body).ToList();
        Assert.Equal(2, bodies.Count);
        // The continuation: the text so far after the prompt, the new-token cap less the 4 tokens generated, same seed.
        Assert.Equal(Prompt + " 521+9=530.", bodies[1].GetProperty("prompt").GetString());
        Assert.Equal((16, 12), (bodies[0].GetProperty("max_tokens").GetInt32(), bodies[1].GetProperty("max_tokens").GetInt32()));
        Assert.Equal(bodies[0].GetProperty("seed").GetInt64(), bodies[1].GetProperty("seed").GetInt64());
    }

    [Fact]
    public async Task OffsetsCountedFromThePromptsStart_StillCutTheStreamAtTheCall()
    {
        var fake = new FakeEndpoints();
        fake.On("a", r => PromptOf(r) switch
        {
            // Offsets that count the prompt in, as some endpoints write them.
            Prompt => FakeEndpoints.Sse([Chunk(Prompt.Length, 100, [" 521", "+", "9", "=", "420"], "stop")]),
            Prompt + " 521+9=530." => FakeEndpoints.Sse([Chunk(Prompt.Length + 11, 200, [" Answer: 530"], "stop")]),
            var other => throw new InvalidOperationException($"unexpected prompt '{other}'"),
        });
        using var backend = Backend(fake);

        var trace = await backend.TraceGenerator.UseTools(Tools("arith")).GenerateOneAsync(Request());

        Assert.Equal(" 521+9=530. Answer: 530", trace.Text);
        Assert.Equal("521+9", Assert.Single(trace.ToolCalls).Expression);
    }

    [Fact]
    public async Task ATraceThatNeverCalls_IsTheSameWithToolsOnAndOff()
    {
        var fake = new FakeEndpoints();
        fake.On("a", _ => FakeEndpoints.Sse([Chunk(0, 100, [" 4", " plus", " 5"]), Chunk(8, 103, [" is", " 9."], "stop")]));
        using var backend = Backend(fake);

        var plain = await backend.TraceGenerator.GenerateOneAsync(Request());
        var tooled = await backend.TraceGenerator.UseTools(Tools("arith")).GenerateOneAsync(Request());

        Assert.Equal(" 4 plus 5 is 9.", tooled.Text);
        Assert.Equal(plain.Text, tooled.Text);
        Assert.Equal(plain.TokenIds, tooled.TokenIds);
        Assert.Equal(plain.TokenLogProbs, tooled.TokenLogProbs);
        Assert.Equal(plain.TokenConfidences, tooled.TokenConfidences);
        Assert.Equal((plain.FinishReason, plain.DecodeSteps), (tooled.FinishReason, tooled.DecodeSteps));
        Assert.Null(tooled.Injected);
        Assert.Empty(tooled.ToolCalls);
        Assert.Equal(2, fake.Count("a", "completions"));
    }

    [Fact]
    public async Task ABadExpression_WritesTheToolsErrorText_AndTheTraceGoesOn()
    {
        var fake = new FakeEndpoints();
        fake.On("a", r => PromptOf(r) switch
        {
            "Q: 45/0\nA:" => Stream([" 45", "/", "0", "=", "7", "."]),
            "Q: 45/0\nA: 45/0=division by zero." => Stream([" Answer", ": none"], firstId: 200),
            var other => throw new InvalidOperationException($"unexpected prompt '{other}'"),
        });
        using var backend = Backend(fake);

        var trace = await backend.TraceGenerator.UseTools(Tools("arith")).GenerateOneAsync(Request(prompt: "Q: 45/0\nA:"));

        Assert.Equal(" 45/0=division by zero. Answer: none", trace.Text);
        var call = Assert.Single(trace.ToolCalls);
        Assert.Equal(("45/0", "division by zero", true), (call.Expression, call.Result, call.IsError));
        Assert.Equal(Ids("division by zero.").Length, trace.InjectedTokens);
    }

    [Fact]
    public async Task TheNewTokenCap_CountsGeneratedTokensAcrossContinuations()
    {
        var fake = new FakeEndpoints();
        fake.On("a", r => PromptOf(r) switch
        {
            Prompt => Stream([" 521", "+", "9", "=", "420", "."]),
            // The endpoint stops at the max_tokens it was given (2 of 6 left).
            Prompt + " 521+9=530." => Stream([" Answer", ":"], finish: "length", firstId: 200),
            var other => throw new InvalidOperationException($"unexpected prompt '{other}'"),
        });
        using var backend = Backend(fake);
        var generator = backend.TraceGenerator.UseTools(Tools("arith"));

        var capped = await generator.GenerateOneAsync(Request(maxTokens: 6));
        Assert.Equal(2, fake.Requests.Where(r => r.Route == "completions").Last().Body.GetProperty("max_tokens").GetInt32());
        Assert.Equal((6, FinishReason.Length), (capped.GeneratedTokens, capped.FinishReason));

        // A call that ends exactly at the cap: the answer is written, and no continuation is asked for.
        var before = fake.Count("a", "completions");
        var atCap = await generator.GenerateOneAsync(Request(maxTokens: 4));
        Assert.Equal(before + 1, fake.Count("a", "completions"));
        Assert.Equal((" 521+9=530.", 4, FinishReason.Length), (atCap.Text, atCap.GeneratedTokens, atCap.FinishReason));
    }

    [Fact]
    public async Task AnInstructModelsToolCall_GetsTheToolResponseTurn_AndContinues()
    {
        const string question = "<|im_start|>user\nWhat is 12*7?<|im_end|>\n<|im_start|>assistant\n";
        const string call = "<tool_call>\n{\"name\": \"calculator\", \"arguments\": {\"expression\": \"12*7\"}}\n</tool_call>";
        const string response = "<|im_end|>\n<|im_start|>user\n<tool_response>\n84\n</tool_response><|im_end|>\n<|im_start|>assistant\n";
        var fake = new FakeEndpoints();
        fake.On("a", r => PromptOf(r) switch
        {
            question => Stream(["Let me compute.\n", "<tool_call>", "\n{\"name\": \"calculator\", \"arguments\": {\"expression\": \"12*7\"}}\n", "</tool_call>", "<|im_end|>"]),
            question + "Let me compute.\n" + call + response => Stream(["The answer is ", "\\boxed{84}."], firstId: 200),
            var other => throw new InvalidOperationException($"unexpected prompt '{other}'"),
        });
        using var backend = Backend(fake);

        var trace = await backend.TraceGenerator.UseTools(Tools("instruct-math")).GenerateOneAsync(Request(prompt: question));

        Assert.Equal("Let me compute.\n" + call + response + "The answer is \\boxed{84}.", trace.Text);
        var toolCall = Assert.Single(trace.ToolCalls);
        Assert.Equal(("12*7", "84", false, 4), (toolCall.Expression, toolCall.Result, toolCall.IsError, toolCall.Position));
        // The response turn's special tokens are single ids, as the model's own template writes them.
        var injected = trace.TokenIds.Skip(toolCall.Position).Take(toolCall.InjectedTokens).ToArray();
        Assert.Equal(Ids(response), injected);
        Assert.Equal(2, injected.Count(id => id == 151645));
    }

    [Fact]
    public async Task ChatCompletionsOnly_RefusesToolsNamingWhy()
    {
        var fake = new FakeEndpoints();
        using var backend = Backend(fake, RemoteApi.ChatCompletions);
        var ex = await Assert.ThrowsAsync<NotSupportedException>(() => backend.TraceGenerator.UseTools(Tools("arith")).GenerateOneAsync(Request()));
        Assert.Contains("/v1/completions", ex.Message, StringComparison.Ordinal);
        Assert.Empty(fake.Requests);
    }
}
