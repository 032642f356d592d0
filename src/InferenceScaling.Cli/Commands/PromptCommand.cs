using System.CommandLine;
using InferenceScaling.Templates;

namespace InferenceScaling.Cli.Commands;

/// <summary>
/// <c>infscale prompt --model DIR --messages FILE.json [--no-generation-prompt]</c>: the model's chat template rendered
/// for the messages, printed exactly (no trailing newline, nothing else on stdout). Reads only the tokenizer's files;
/// no ONNX session is made.
/// </summary>
internal static class PromptCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model folder (its tokenizer_config.json or chat_template.jinja).", Required = true };
        var messages = new Option<string>("--messages") { Description = "A JSON array of {\"role\", \"content\"} messages, as OpenAI sends them.", Required = true };
        var noGenerationPrompt = new Option<bool>("--no-generation-prompt") { Description = "Do not end with the assistant turn's header (add_generation_prompt=false)." };
        var command = new Command("prompt", "Print the model's chat template rendered for a conversation (what the model sees).") { model, messages, noGenerationPrompt };
        command.SetAction((parse, ct) => CommandErrors.Guard(() =>
        {
            var folder = parse.GetValue(model)!;
            if (!Directory.Exists(folder)) return Task.FromResult(CommandErrors.Fail($"{folder}: model folder not found."));
            var conversation = ConversationFile.Read(parse.GetValue(messages)!);
            var template = ChatTemplate.Load(folder);
            if (template is null)
                return Task.FromResult(CommandErrors.Fail($"{folder}: no chat template (neither chat_template.jinja nor a chat_template in tokenizer_config.json); the model takes plain prompts."));
            string text;
            try { text = template.Render(conversation, addGenerationPrompt: !parse.GetValue(noGenerationPrompt)); }
            catch (TemplateException ex) { return Task.FromResult(CommandErrors.Fail(ex.Message)); }
            Console.Out.Write(text);
            Console.Out.Flush();
            return Task.FromResult(0);
        }));
        return command;
    }
}
