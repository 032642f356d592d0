using InferenceScaling.Prompts;
using InferenceScaling.Templates;
using InferenceScaling.Tokenization;

namespace InferenceScaling.Tests.Prompts;

/// <summary>A Qwen2.5-style folder (the tokenizer fixture plus Qwen2.5-Math-Instruct's template): the solve prompt the model gets.</summary>
public sealed class QwenChatPromptTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("qwen-chat-").FullName;

    public QwenChatPromptTests()
    {
        foreach (var file in Directory.GetFiles(Path.Combine(RepoPaths.Root, "tests", "fixtures", "tokenizers", "qwen2.5")))
            File.Copy(file, Path.Combine(_folder, Path.GetFileName(file)));
        File.Copy(Path.Combine(RepoPaths.Root, "tests", "InferenceScaling.Tests", "Templates", "Data", "qwen2.5-math-instruct.jinja"), Path.Combine(_folder, "chat_template.jinja"));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Solve_prompt_starts_with_the_system_turn_and_im_start_encodes_as_one_id()
    {
        var template = ChatTemplate.Load(_folder)!;
        var tokenizer = ModelTokenizer.Load(_folder);
        var prompt = PromptSet.For(template, name: null, Path.Combine(RepoPaths.Root, "prompts")).Solve("What is 12 + 7?");
        Assert.StartsWith("<|im_start|>system\nPlease reason step by step", prompt, StringComparison.Ordinal);

        var ids = tokenizer.Encode(prompt);
        var imStart = tokenizer.SpecialTokens["<|im_start|>"];
        var imEnd = tokenizer.SpecialTokens["<|im_end|>"];
        Assert.Equal((151644, 151645), (imStart, imEnd));
        Assert.Equal(imStart, ids[0]);
        Assert.Equal((3, 2), (ids.Count(i => i == imStart), ids.Count(i => i == imEnd))); // system, user, assistant; two ended turns
        Assert.Equal("<|im_end|>", template.EndOfTurn);
    }
}
