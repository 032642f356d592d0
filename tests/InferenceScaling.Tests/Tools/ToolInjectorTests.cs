using InferenceScaling.Prompts;
using InferenceScaling.Runtime;
using InferenceScaling.Sampling;
using InferenceScaling.Tests.Models;
using InferenceScaling.Tools;

namespace InferenceScaling.Tests.Tools;

/// <summary>The per-trace injector on the shipped model's tokenizer, fed token by token as a decoder would.</summary>
public sealed class ToolInjectorTests(ShippedModelFixture fixture) : IClassFixture<ShippedModelFixture>
{
    private DecoderModel Model => fixture.Model;

    private ToolSet Tools(string set = "arith") =>
        ToolSet.FromPromptSet(PromptSet.Load(Path.Combine(RepoPaths.Root, "prompts", set)), ["calc"], Model.Tokenizer, Model.Signature.VocabularySize);

    private int[] Ids(string text)
    {
        var ids = Model.Tokenizer.Encode(text);
        return Model.Tokenizer.BeginningOfSequenceId is { } bos && ids.Length > 0 && ids[0] == bos ? ids[1..] : ids;
    }

    /// <summary>Feeds <paramref name="text"/>'s tokens as generated ones; returns what was injected after each.</summary>
    private List<int[]> Feed(ITokenInjector injector, string text) => Ids(text).Select(id => injector.OnToken(id, injected: false).ToArray()).ToList();

    [Fact]
    public void AStepWrittenUpToItsEqualsSign_GetsTheExactValueAndTheTerminator()
    {
        var injector = Tools().CreateInjector();
        var answers = Feed(injector, " 110-45=");
        Assert.All(answers.SkipLast(1), a => Assert.Empty(a));
        Assert.Equal(Ids("65."), answers[^1]);
        var call = Assert.Single(injector.ToolCalls);
        Assert.Equal(new ToolCall("calculator", "110-45", "65", answers.Count, Ids("65.").Length, IsError: false), call);
    }

    [Fact]
    public void AMalformedCall_InjectsTheToolsErrorText()
    {
        var injector = Tools().CreateInjector();
        var answers = Feed(injector, " 45/0=");
        Assert.Equal("division by zero.", Model.Tokenizer.Decode(answers[^1]));
        Assert.True(Assert.Single(injector.ToolCalls).IsError);
    }

    [Fact]
    public void TextThatIsNotACall_AndInjectedTokens_NeverFire()
    {
        var injector = Tools().CreateInjector();
        Assert.All(Feed(injector, " 3=. Answer: 12"), a => Assert.Empty(a));
        foreach (var id in Ids(" 4+4=")) Assert.True(injector.OnToken(id, injected: true).IsEmpty);
        Assert.Empty(injector.ToolCalls);
        // The history still holds the injected text: the next step reads past it.
        var answers = Feed(injector, "8. 8*3=");
        Assert.Equal(Ids("24."), answers[^1]);
        Assert.Equal("8*3", Assert.Single(injector.ToolCalls).Expression);
    }

    [Fact]
    public void AnInstructModelsToolCall_IsAPromptSetEntry_AnsweredWithAToolResponse()
    {
        const string call = "<tool_call>{\"name\": \"calculator\", \"arguments\": {\"expression\": \"(521+9)*3/4\"}}</tool_call>";
        Assert.Equal(call, Model.Tokenizer.Decode(Ids(call)));
        var injector = Tools("chat").CreateInjector();
        var answers = Feed(injector, "Let me compute. " + call);
        Assert.All(answers.SkipLast(1), a => Assert.Empty(a));
        Assert.Equal("\n<tool_response>397.5</tool_response>\n", Model.Tokenizer.Decode(answers[^1]));
        Assert.Equal("(521+9)*3/4", Assert.Single(injector.ToolCalls).Expression);
    }
}
