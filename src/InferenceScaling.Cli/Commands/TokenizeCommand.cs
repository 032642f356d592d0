using System.CommandLine;
using InferenceScaling.Tokenization;

namespace InferenceScaling.Cli.Commands;

/// <summary>
/// <c>infscale tokenize</c>: the token ids a model's tokenizer gives a text, reading only the tokenizer files (no
/// ONNX session). Special tokens written in the text are matched as the tokenizer's added tokens define.
/// </summary>
internal static class TokenizeCommand
{
    public static Command Create()
    {
        var model = new Option<string?>("--model") { Description = "Model folder (its tokenizer.json, vocab.json + merges.txt or tokenizer.model). Default: the embedded arith-mini model." };
        var text = new Option<string?>("--text") { Description = "The text to tokenize." };
        var file = new Option<FileInfo?>("--file") { Description = "A UTF-8 file whose whole content is tokenized." };
        var json = new Option<bool>("--json") { Description = "Print ids, token strings and code-point offsets as JSON instead of the ids on one line." };
        var noSpecial = new Option<bool>("--no-special-tokens") { Description = "Leave out the BOS and other tokens the tokenizer adds around the text." };
        var command = new Command("tokenize", "Print the token ids of a text (what the model sees).") { model, text, file, json, noSpecial };
        command.SetAction(parse => CommandErrors.Guard(() =>
        {
            var t = parse.GetValue(text);
            var f = parse.GetValue(file);
            if ((t is null) == (f is null)) return Task.FromResult(CommandErrors.Fail("tokenize needs exactly one of --text or --file."));
            if (f is not null && !f.Exists) return Task.FromResult(CommandErrors.Fail($"--file: {f.FullName} not found."));
            var input = t ?? File.ReadAllText(f!.FullName);
            var tokenizer = ModelTokenizer.Load(parse.GetValue(model) ?? ModelArguments.DefaultModelFolder());
            var tokenized = new TokenizedText(input, tokenizer.EncodeToTokens(input, addSpecialTokens: !parse.GetValue(noSpecial)));
            Console.Out.WriteLine(parse.GetValue(json) ? tokenized.ToJson() : tokenized.IdsLine());
            return Task.FromResult(0);
        }));
        return command;
    }
}
