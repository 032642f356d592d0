using InferenceScaling.Prompts;
using InferenceScaling.Sampling;
using InferenceScaling.Tests.Tokenization;
using InferenceScaling.Tokenization;
using InferenceScaling.Tools;

namespace InferenceScaling.Tests.Tools;

/// <summary>
/// instruct-math's calculator in the chat-template tool-call form (Qwen2.5's <c>&lt;tool_call&gt;</c> JSON answered with
/// a <c>&lt;tool_response&gt;</c> turn) on the Qwen2.5-style tokenizer, fed token by token as a decoder would.
/// </summary>
public sealed class JsonToolCallTests
{
    private const int QwenVocabulary = 151665;
    private static readonly Lazy<ModelTokenizer> Qwen = new(() => TokenizerFixtures.Load("qwen2.5"));
    private static readonly Lazy<ToolSet> InstructMath = new(() =>
        ToolSet.FromPromptSet(PromptSet.Load(Path.Combine(RepoPaths.Root, "prompts", "instruct-math")), ["calc"], Qwen.Value, QwenVocabulary));

    private const string Response = "<|im_end|>\n<|im_start|>user\n<tool_response>\n{0}\n</tool_response><|im_end|>\n<|im_start|>assistant\n";

    private static string Call(string json) => "<tool_call>\n" + json + "\n</tool_call>";

    /// <summary>Feeds <paramref name="text"/>'s tokens as generated ones; returns what was injected after each.</summary>
    private static List<int[]> Feed(ITokenInjector injector, string text) => Qwen.Value.Encode(text).Select(id => injector.OnToken(id, injected: false).ToArray()).ToList();

    [Fact]
    public void AToolCall_GetsTheToolResponseTurn_AtTheClosingTag()
    {
        var injector = InstructMath.Value.CreateInjector();
        var text = "I need 12*7+0.5.\n" + Call("""{"name": "calculator", "arguments": {"expression": "12*7+0.5"}}""");
        var answers = Feed(injector, text);
        // </tool_call> is one token: the answer comes right after it, and nowhere before.
        Assert.Equal(Assert.Single(Qwen.Value.Encode("</tool_call>")), Qwen.Value.Encode(text)[^1]);
        Assert.All(answers.SkipLast(1), a => Assert.Empty(a));
        Assert.Equal(string.Format(Response, "84.5"), Qwen.Value.Decode(answers[^1], skipSpecialTokens: false));
        Assert.Equal(new ToolCall("calculator", "12*7+0.5", "84.5", answers.Count, answers[^1].Length, IsError: false), Assert.Single(injector.ToolCalls));
    }

    [Theory]
    [InlineData("""{"name": "calculator", "arguments": {"expression": "12*7"}""", "malformed tool call: not valid JSON")]
    [InlineData("""{"name": "python", "arguments": {"expression": "12*7"}}""", "unknown tool 'python' (the tool is 'calculator')")]
    [InlineData("""{"name": "calculator", "arguments": {"expr": "12*7"}}""", "the tool call's arguments have no \"expression\" string")]
    [InlineData("""{"name": "calculator", "arguments": {"expression": "12*/7"}}""", "unexpected '/' at 4")]
    public void ABadCall_IsAnsweredWithTheToolsErrorText(string json, string error)
    {
        var injector = InstructMath.Value.CreateInjector();
        var answers = Feed(injector, Call(json));
        var written = Qwen.Value.Decode(answers[^1], skipSpecialTokens: false);
        Assert.StartsWith(Response[..Response.IndexOf("{0}", StringComparison.Ordinal)] + "error: " + error, written, StringComparison.Ordinal);
        var call = Assert.Single(injector.ToolCalls);
        Assert.True(call.IsError);
        Assert.StartsWith(error, call.Result, StringComparison.Ordinal);
    }

    [Fact]
    public void OpenAiStyleArguments_AsAJsonString_AreReadToo()
    {
        var injector = InstructMath.Value.CreateInjector();
        Feed(injector, Call("""{"name": "calculator", "arguments": "{\"expression\": \"2^10\"}"}"""));
        Assert.Equal(("2^10", "1024"), (Assert.Single(injector.ToolCalls).Expression, injector.ToolCalls[0].Result));
    }

    [Fact]
    public void TwoCallsInATrace_EachReadsOnlyItsOwnJson()
    {
        var injector = InstructMath.Value.CreateInjector();
        Feed(injector, Call("""{"name": "calculator", "arguments": {"expression": "1+1"}}"""));
        foreach (var id in Qwen.Value.Encode(string.Format(Response, "2"))) injector.OnToken(id, injected: true);
        Feed(injector, "Then " + Call("""{"name": "calculator", "arguments": {"expression": "2*3"}}"""));
        Assert.Equal(["1+1", "2*3"], injector.ToolCalls.Select(c => c.Expression));
    }
}
