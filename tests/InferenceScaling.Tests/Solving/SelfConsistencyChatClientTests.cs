using InferenceScaling.Solving;
using InferenceScaling.Tests.Fakes;
using InferenceScaling.Voting;
using Microsoft.Extensions.AI;

namespace InferenceScaling.Tests.Solving;

public sealed class SelfConsistencyChatClientTests
{
    private static (IChatClient Client, ScriptedTraceGenerator Generator) Create(params ScriptedTrace[] script)
    {
        var generator = new ScriptedTraceGenerator(script);
        var solver = new SelfConsistencySolver(generator, AnswerLineExtractor.Instance, TrimEquivalence.Instance);
        return (solver.AsChatClient(), generator);
    }

    [Fact]
    public async Task GetResponse_AnswersTheLastUserMessageWithTheVoteAndUsage()
    {
        var (client, generator) = Create(
            ScriptedTrace.Answer("5", logProb: -0.3f), ScriptedTrace.Answer("4", logProb: -0.2f),
            ScriptedTrace.Answer("4", logProb: -0.1f), ScriptedTrace.Answer("4"));
        ChatMessage[] messages = [new(ChatRole.System, "Be brief."), new(ChatRole.User, "What is 1+1?"), new(ChatRole.Assistant, "2"), new(ChatRole.User, "What is 2+2?")];
        var response = await client.GetResponseAsync(messages, new ChatOptions { AdditionalProperties = new() { [SelfConsistencyChatClient.BudgetOption] = "fast" } });

        Assert.Equal("Q: What is 2+2?\nA:", generator.Requests[0].Prompt);
        Assert.Equal("Some steps. Answer: 4", response.Text);
        var props = response.AdditionalProperties!;
        Assert.Equal("4", props[SelfConsistencyChatClient.AnswerProperty]);
        Assert.Equal(0.75, (double)props[SelfConsistencyChatClient.VoteShareProperty]!, 12);
        Assert.Equal(13.0 / 16, (double)props[SelfConsistencyChatClient.ConfidenceProperty]!, 12);
        Assert.Equal("Completed", props[SelfConsistencyChatClient.StopReasonProperty]);
        Assert.Equal(4, props[SelfConsistencyChatClient.TracesDrawnProperty]);
        var distribution = Assert.IsAssignableFrom<IReadOnlyList<AnswerGroup>>(props[SelfConsistencyChatClient.DistributionProperty]);
        Assert.Equal([3, 1], distribution.Select(g => g.Count));
        var solution = Assert.IsType<Solution>(props[SelfConsistencyChatClient.SolutionProperty]);
        Assert.Equal(solution.Usage.PromptTokens, response.Usage!.InputTokenCount);
        Assert.Equal(40, response.Usage.OutputTokenCount);
        Assert.Equal(solution.Usage.PromptTokens + 40, response.Usage.TotalTokenCount);
        Assert.Equal(solution.Usage.ForwardPasses, response.Usage.AdditionalCounts![SelfConsistencyChatClient.ForwardPassesCount]);
    }

    [Fact]
    public async Task GetResponse_UsesTheDefaultBudgetWhenTheCallNamesNone()
    {
        var (client, generator) = Create(Enumerable.Range(0, 16).Select(_ => ScriptedTrace.Answer("4")).ToArray());
        var response = await client.GetResponseAsync("2+2?");

        Assert.Equal(4, generator.Requests[0].Count); // balanced: waves of 4
        Assert.Equal("Decided", response.AdditionalProperties![SelfConsistencyChatClient.StopReasonProperty]);
    }

    [Fact]
    public async Task GetResponse_RejectsAConversationWithoutAUserMessage()
    {
        var (client, _) = Create(ScriptedTrace.Answer("4"));
        await Assert.ThrowsAsync<ArgumentException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.System, "hi")]));
    }

    [Fact]
    public async Task GetStreamingResponse_YieldsTheFinalResponse()
    {
        var (client, _) = Create(ScriptedTrace.Answer("4"), ScriptedTrace.Answer("4"), ScriptedTrace.Answer("4"), ScriptedTrace.Answer("4"));
        var options = new ChatOptions { AdditionalProperties = new() { [SelfConsistencyChatClient.BudgetOption] = InferenceScaling.Budget.Fast } };
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync("2+2?", options)) updates.Add(update);

        var response = updates.ToChatResponse();
        Assert.Equal("Some steps. Answer: 4", response.Text);
        Assert.Equal(40, response.Usage!.OutputTokenCount);
    }

    [Fact]
    public void GetService_ReturnsTheSolverAndMetadata()
    {
        var generator = new ScriptedTraceGenerator(ScriptedTrace.Answer("4"));
        var solver = new SelfConsistencySolver(generator, AnswerLineExtractor.Instance, TrimEquivalence.Instance);
        using var client = solver.AsChatClient();
        Assert.Same(solver, client.GetService<SelfConsistencySolver>());
        Assert.Equal("InferenceScaling", client.GetService<ChatClientMetadata>()!.ProviderName);
    }
}
