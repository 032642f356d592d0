using InferenceScaling.Prompts;
using InferenceScaling.Runtime;
using InferenceScaling.Templates;

namespace InferenceScaling.Tests.Prompts;

/// <summary>Prompt sets rendered through a model's chat template, and plain prompts when a model has none.</summary>
public sealed class ChatPromptTests
{
    private static string Root => Path.Combine(RepoPaths.Root, "prompts");

    private static ChatTemplate QwenMath() =>
        ChatTemplate.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "tests", "InferenceScaling.Tests", "Templates", "Data", "qwen2.5-math-instruct.jinja")),
            new Dictionary<string, string> { ["eos_token"] = "<|im_end|>" });

    [Fact]
    public void Model_without_a_chat_template_keeps_the_plain_chat_set()
    {
        var plain = PromptSet.Load(Path.Combine(Root, "chat"));
        var set = PromptSet.For(template: null, name: null, Root);
        Assert.Equal("chat", set.Name);
        Assert.Null(set.ChatTemplate);
        Assert.Equal(plain.SolveTemplate.Replace("{question}", "What is 2+2?", StringComparison.Ordinal), set.Solve("What is 2+2?"));
        Assert.Equal(plain.StopStrings, set.StopStrings);
    }

    [Fact]
    public void Instruct_math_set_renders_qwen_math_turns_with_its_documented_system_prompt()
    {
        var set = PromptSet.For(QwenMath(), name: null, Root);
        Assert.Equal(PromptSet.InstructSetName, set.Name);
        Assert.Equal(
            "<|im_start|>system\nPlease reason step by step, and put your final answer within \\boxed{}.<|im_end|>\n" +
            "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n",
            set.Solve("What is 2+2?"));
        Assert.Contains("<|im_end|>", set.StopStrings);
    }

    [Fact]
    public void Critique_and_revise_are_user_turns_of_the_same_conversation()
    {
        var set = PromptSet.For(QwenMath(), name: null, Root);
        var critique = set.Critique("Q?", "1+1=2");
        Assert.StartsWith("<|im_start|>system\nPlease reason step by step", critique, StringComparison.Ordinal);
        Assert.Contains("<|im_start|>user\nCheck the solution below", critique, StringComparison.Ordinal);
        Assert.EndsWith("Solution:\n1+1=2<|im_end|>\n<|im_start|>assistant\n", critique, StringComparison.Ordinal);
        Assert.EndsWith("within \\boxed{}.<|im_end|>\n<|im_start|>assistant\n", set.Revise("Q?", "1+1=3", "Verdict: wrong at step 1"), StringComparison.Ordinal);
    }

    [Fact]
    public void Conversation_history_and_its_system_turn_come_before_the_question()
    {
        var set = PromptSet.For(QwenMath(), name: null, Root)
            .WithHistory([ChatTurn.System("Be brief."), ChatTurn.User("Hi"), ChatTurn.Assistant("Hello.")]);
        Assert.Equal(
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello.<|im_end|>\n" +
            "<|im_start|>user\n3*3?<|im_end|>\n<|im_start|>assistant\n",
            set.Solve("3*3?"));
    }

    [Fact]
    public void End_of_turn_token_of_the_template_ends_traces_as_eos_does()
    {
        var folder = Directory.CreateTempSubdirectory("chat-model-").FullName;
        try
        {
            foreach (var file in Directory.GetFiles(RepoPaths.TinyModel)) File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
            using (var plain = DecoderModel.Load(folder))
            {
                Assert.Null(plain.ChatTemplate);
                Assert.DoesNotContain(plain.Tokenizer.SpecialTokens["<|pad|>"], plain.Signature.EndOfSequenceIds);
            }

            File.WriteAllText(Path.Combine(folder, "chat_template.jinja"),
                "{% for m in messages %}{{ m.role }}: {{ m.content }}<|pad|>\n{% endfor %}{% if add_generation_prompt %}assistant: {% endif %}");
            using var chat = DecoderModel.Load(folder);
            Assert.Equal("<|pad|>", chat.ChatTemplate!.EndOfTurn);
            Assert.Contains(chat.Tokenizer.SpecialTokens["<|pad|>"], chat.Signature.EndOfSequenceIds);
            var prompt = PromptSet.ForModel(chat, "chat", Root).Solve("2+2?");
            Assert.StartsWith("user: Solve the following", prompt, StringComparison.Ordinal);
            Assert.EndsWith("Problem: 2+2?\n\nSolution:<|pad|>\nassistant: ", prompt, StringComparison.Ordinal);
        }
        finally { Directory.Delete(folder, recursive: true); }
    }
}
