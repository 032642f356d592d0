using System.Text.Json;
using System.Text.Json.Nodes;
using InferenceScaling.Prompts;
using InferenceScaling.Sampling;
using InferenceScaling.Solving;
using InferenceScaling.Templates;
using InferenceScaling.Tests.Fakes;
using InferenceScaling.Tests.Tokenization;
using InferenceScaling.Tokenization;
using InferenceScaling.Tools;

namespace InferenceScaling.Tests.Templates;

/// <summary>
/// A prompt set with tools, rendered through a chat template, gives the template <c>tools</c> (the tools' JSON-schema
/// definitions, as <c>apply_chat_template(tools=...)</c> passes them), so Qwen2.5's template writes its "# Tools" block.
/// </summary>
public sealed class ToolDefinitionRenderingTests
{
    private const int QwenVocabulary = 151665;
    private static readonly Lazy<ModelTokenizer> Qwen = new(() => TokenizerFixtures.Load("qwen2.5"));
    private static readonly string InstructMathFolder = Path.Combine(RepoPaths.Root, "prompts", "instruct-math");

    private static ChatTemplate QwenMath() => ChatTemplate.Parse(
        File.ReadAllText(Path.Combine(HfJsSuite.DataFolder, "qwen2.5-math-instruct.jinja")),
        new Dictionary<string, string> { ["eos_token"] = "<|im_end|>" });

    private static ToolSet Calc(PromptSet set) => ToolSet.FromPromptSet(set, ["calc"], Qwen.Value, QwenVocabulary);

    [Fact]
    public void APromptSetWithTools_RendersAsPythonJinja2RendersTheToolsGolden()
    {
        // The python-jinja2 golden of Qwen2.5's template with one tool and a user turn, no system turn (case 6).
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(HfJsSuite.DataFolder, "python-goldens.json")));
        var golden = doc.RootElement.GetProperty("cases").EnumerateArray()
            .Single(c => c.GetProperty("template").GetString() == "qwen2.5" && c.GetProperty("tool_schemas").ValueKind == JsonValueKind.Array
                && c.GetProperty("add_generation_prompt").GetBoolean());
        var template = ChatTemplate.Parse(golden.GetProperty("source").GetString()!, new Dictionary<string, string> { ["eos_token"] = golden.GetProperty("eos_token").GetString()! });
        var folder = Directory.CreateTempSubdirectory("tools-golden").FullName;
        try
        {
            // instruct-math without its system prompt, its tool declared with the golden's definition.
            foreach (var file in Directory.GetFiles(InstructMathFolder, "*.txt")) File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
            var json = JsonNode.Parse(File.ReadAllText(Path.Combine(InstructMathFolder, "prompt-set.json")))!.AsObject();
            json.Remove("system");
            json["tools"]!["calc"]!["definition"] = JsonNode.Parse(golden.GetProperty("tool_schemas")[0].GetRawText());
            File.WriteAllText(Path.Combine(folder, "prompt-set.json"), json.ToJsonString());
            var set = PromptSet.Load(folder).WithChatTemplate(template);

            var prompt = set.WithTools(Calc(set)).Solve(golden.GetProperty("messages")[0].GetProperty("content").GetString()!);

            Assert.Equal(golden.GetProperty("expected").GetString(), prompt);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void InstructMathWithTheCalculator_GetsQwenMathsToolsBlockAfterItsSystemPrompt()
    {
        var set = PromptSet.Load(InstructMathFolder).WithChatTemplate(QwenMath());

        var prompt = set.WithTools(Calc(set)).Solve("What is 12*7?");

        // Rendered by Python's jinja2 as transformers sets it up (make-python-goldens.py's environment), with the
        // set's system turn, the calculator's definition as the one tool, and the question.
        const string expected = "<|im_start|>system\nPlease reason step by step, and put your final answer within \\boxed{}.\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\nYou are provided with function signatures within <tools></tools> XML tags:\n<tools>\n{\"type\": \"function\", \"function\": {\"name\": \"calculator\", \"description\": \"Evaluates an arithmetic expression exactly: + - * / ^ and parentheses on decimal numbers.\", \"parameters\": {\"type\": \"object\", \"properties\": {\"expression\": {\"type\": \"string\", \"description\": \"For example (521+9)*3/4\"}}, \"required\": [\"expression\"]}}}\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n<|im_start|>user\nWhat is 12*7?<|im_end|>\n<|im_start|>assistant\n";
        Assert.Equal(expected, prompt);
        // Critique and revise prompts are told about the tools too (revisions decode with them).
        Assert.Contains("# Tools", set.WithTools(Calc(set)).Revise("q", "s", "c"), StringComparison.Ordinal);
    }

    [Fact]
    public void WithoutTools_ThePromptHasNoToolsBlock_AndIsTheSameAsBefore()
    {
        var set = PromptSet.Load(InstructMathFolder).WithChatTemplate(QwenMath());
        var plain = set.Solve("What is 12*7?");
        Assert.DoesNotContain("# Tools", plain, StringComparison.Ordinal);
        Assert.Equal(plain, set.WithTools(null).Solve("What is 12*7?"));
        Assert.Null(set.WithTools(null).ToolDefinitions);
        // History and tools stay bound together, whichever is added first.
        var history = new[] { ChatTurn.User("Hi"), ChatTurn.Assistant("Hello.") };
        Assert.Equal(set.WithHistory(history).WithTools(Calc(set)).Solve("q"), set.WithTools(Calc(set)).WithHistory(history).Solve("q"));
    }

    [Fact]
    public void AToolGenerator_AnswersItsToolSet_ThroughWrappers()
    {
        var set = PromptSet.Load(InstructMathFolder);
        var tools = Calc(set);
        var generator = new ScriptedTraceGenerator([ScriptedTrace.Answer("4")]).UseTools(tools);
        Assert.Same(tools, generator.GetService<ToolSet>());
        Assert.Null(new ScriptedTraceGenerator([ScriptedTrace.Answer("4")]).GetService<ToolSet>());
    }

    [Fact]
    public async Task ASolverBuiltWithTools_SendsTheToolsBlockInItsSolvePrompt_WithoutWithToolsByHand()
    {
        var set = PromptSet.Load(InstructMathFolder).WithChatTemplate(QwenMath());
        var generator = new ScriptedTraceGenerator([ScriptedTrace.Answer("84")]);
        var solver = new SolverBuilder(new SolverServices { Generator = generator, Prompts = set, Tools = Calc(set) }).Build();

        await solver.SolveAsync("What is 12*7?", Budget.Fast with { MaxSamples = 1 });

        var prompt = Assert.Single(generator.Requests).Prompt;
        Assert.Equal(set.WithTools(Calc(set)).Solve("What is 12*7?"), prompt);
        Assert.Contains("# Tools", prompt);
    }
}
