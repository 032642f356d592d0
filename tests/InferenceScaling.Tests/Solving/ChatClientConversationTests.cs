using InferenceScaling.Sampling;
using InferenceScaling.Solving;
using InferenceScaling.Templates;
using InferenceScaling.Tests.Fakes;
using Microsoft.Extensions.AI;

namespace InferenceScaling.Tests.Solving;

/// <summary>The chat client passes the whole conversation and honours ChatOptions' sampling fields.</summary>
public sealed class ChatClientConversationTests
{
    private static readonly ChatOptions Fast = new() { AdditionalProperties = new() { [SelfConsistencyChatClient.BudgetOption] = "fast" } };

    private static (IChatClient Client, ScriptedTraceGenerator Generator) Create()
    {
        var generator = new ScriptedTraceGenerator([.. Enumerable.Range(0, 8).Select(_ => ScriptedTrace.Answer("4"))]);
        var client = new SelfConsistencyChatClient(
            (sampling, history) => new SelfConsistencySolver(generator, AnswerLineExtractor.Instance, TrimEquivalence.Instance, options: new SelfConsistencyOptions
            {
                Sampling = sampling,
                PromptTemplate = q => string.Concat(history.Select(t => $"{t.Role}:{t.Content}|")) + "user:" + q,
            }),
            new SamplingOptions { Temperature = 0.8f, MaxTokens = 128, StopStrings = ["\n\n"] });
        return (client, generator);
    }

    [Fact]
    public async Task System_and_history_reach_the_prompt_before_the_last_user_message()
    {
        var (client, generator) = Create();
        ChatMessage[] messages = [new(ChatRole.System, "Be brief."), new(ChatRole.User, "1+1?"), new(ChatRole.Assistant, "2"), new(ChatRole.User, "2+2?")];
        await client.GetResponseAsync(messages, Fast);
        Assert.Equal("system:Be brief.|user:1+1?|assistant:2|user:2+2?", generator.Requests[0].Prompt);
    }

    [Fact]
    public async Task Chat_options_set_the_sampling_of_the_call()
    {
        var (client, generator) = Create();
        var options = Fast.Clone();
        options.Temperature = 0.3f;
        options.TopP = 0.9f;
        options.MaxOutputTokens = 64;
        options.StopSequences = ["END"];
        options.Seed = 42;
        await client.GetResponseAsync("2+2?", options);
        var sampling = generator.Requests[0].Sampling;
        Assert.Equal((0.3f, 0.9f, 64, 42UL), (sampling.Temperature, sampling.TopP, sampling.MaxTokens, sampling.Seed));
        Assert.Equal(["\n\n", "END"], sampling.StopStrings);
    }

    [Fact]
    public async Task Call_without_options_keeps_the_base_sampling()
    {
        var (client, generator) = Create();
        await client.GetResponseAsync("2+2?", Fast);
        var sampling = generator.Requests[0].Sampling;
        Assert.Equal((0.8f, 128), (sampling.Temperature, sampling.MaxTokens));
        Assert.Equal(["\n\n"], sampling.StopStrings);
    }

    [Fact]
    public async Task Out_of_range_option_is_refused()
    {
        var (client, _) = Create();
        var options = Fast.Clone();
        options.TopP = 0;
        await Assert.ThrowsAsync<ArgumentException>(() => client.GetResponseAsync("2+2?", options));
    }

    [Fact]
    public async Task Fixed_solver_refuses_sampling_options_it_cannot_apply()
    {
        var generator = new ScriptedTraceGenerator([ScriptedTrace.Answer("4")]);
        var client = new SelfConsistencySolver(generator, AnswerLineExtractor.Instance, TrimEquivalence.Instance).AsChatClient();
        var options = Fast.Clone();
        options.Temperature = 0.1f;
        await Assert.ThrowsAsync<ArgumentException>(() => client.GetResponseAsync("2+2?", options));
        Assert.Empty(generator.Requests);
    }

    /// <summary>The services form builds each call's pipeline: the conversation goes through the prompt set's chat template, the options set the call's sampling.</summary>
    [Fact]
    public async Task Services_form_renders_the_history_through_the_template_and_samples_with_the_call_options()
    {
        var template = ChatTemplate.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "tests", "InferenceScaling.Tests", "Templates", "Data", "qwen2.5-math-instruct.jinja")),
            new Dictionary<string, string> { ["eos_token"] = "<|im_end|>" });
        var prompts = InferenceScaling.Prompts.PromptSet.For(template, name: null, Path.Combine(RepoPaths.Root, "prompts"));
        var generator = new ScriptedTraceGenerator([.. Enumerable.Range(0, 8).Select(_ => ScriptedTrace.Answer("9"))]);
        var client = new SolverServices { Generator = generator, Prompts = prompts, Extractor = AnswerLineExtractor.Instance, Equivalence = TrimEquivalence.Instance }.AsChatClient();
        var options = Fast.Clone();
        options.Temperature = 0.3f;
        options.Seed = 7;

        var response = await client.GetResponseAsync([new(ChatRole.System, "Be brief."), new(ChatRole.User, "Hi"), new(ChatRole.Assistant, "Hello."), new(ChatRole.User, "3*3?")], options);

        Assert.Equal(prompts.WithHistory([ChatTurn.System("Be brief."), ChatTurn.User("Hi"), ChatTurn.Assistant("Hello.")]).Solve("3*3?"), generator.Requests[0].Prompt);
        Assert.StartsWith("<|im_start|>system\nBe brief.<|im_end|>", generator.Requests[0].Prompt, StringComparison.Ordinal);
        Assert.Equal((0.3f, 7UL), (generator.Requests[0].Sampling.Temperature, generator.Requests[0].Sampling.Seed));
        Assert.Equal("9", response.AdditionalProperties![SelfConsistencyChatClient.AnswerProperty]);
    }
}
