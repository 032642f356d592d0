using System.CommandLine;
using InferenceScaling.Prompts;
using InferenceScaling.Runtime;
using InferenceScaling.Tools;

namespace InferenceScaling.Cli.Commands;

/// <summary>The <c>--tools</c> option (tools inside the decode loop, named from the prompt set's <c>tools</c>) and how it binds to a model.</summary>
internal sealed class ToolsArgument
{
    public Option<string> Option { get; } = new("--tools")
    {
        Description = "Tools inside the decode loop, comma-separated names from the prompt set's 'tools' (calc: the exact calculator writes each step's value), or none.",
        DefaultValueFactory = _ => "none",
    };

    /// <summary>The names given (empty for none).</summary>
    public static string[] Names(string? value) =>
        string.IsNullOrWhiteSpace(value) || value.Trim().Equals("none", StringComparison.OrdinalIgnoreCase)
            ? []
            : value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>The tools asked for, bound to <paramref name="model"/>'s tokenizer; null for none.</summary>
    /// <exception cref="ArgumentException">A name the prompt set does not declare (the message lists the ones it does).</exception>
    public ToolSet? Load(ParseResult parse, PromptSet prompts, DecoderModel model)
    {
        var names = Names(parse.GetValue(Option));
        if (names.Length == 0) return null;
        try
        {
            return ToolSet.FromPromptSet(prompts, names, model.Tokenizer, model.Signature.VocabularySize);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException("--tools: " + ex.Message, ex);
        }
    }
}
