using InferenceScaling.Prompts;
using InferenceScaling.Tools;

namespace InferenceScaling.Tests.Tools;

public sealed class ToolTriggerTests
{
    private static readonly string ArithFolder = Path.Combine(RepoPaths.Root, "prompts", "arith");

    [Fact]
    public void ShippedPromptSets_DeclareTheCalculator()
    {
        var arith = PromptSet.Load(ArithFolder).Tools["calc"];
        Assert.Equal("calculator", arith.Tool);
        Assert.Equal("=", arith.End);
        Assert.Equal("521+9", arith.Pattern.Match(" 110-45=65. 521+9=").Groups["expression"].Value);
        Assert.Equal("530.", arith.Render(new CalculatorResult(false, "530")));

        var chat = PromptSet.Load(Path.Combine(RepoPaths.Root, "prompts", "chat")).Tools["calc"];
        Assert.Equal("</tool_call>", chat.End);
        var call = "Let me compute. <tool_call>\n{\"name\": \"calculator\", \"arguments\": {\"expression\": \"(521+9)*3\"}}\n</tool_call>";
        Assert.Equal(ToolTrigger.JsonCall, chat.Call);
        Assert.Equal("\n{\"name\": \"calculator\", \"arguments\": {\"expression\": \"(521+9)*3\"}}\n", chat.Pattern.Match(call).Groups["expression"].Value);
        Assert.Equal("\n<tool_response>1590</tool_response>\n", chat.Render(new CalculatorResult(false, "1590")));
        Assert.Equal("\n<tool_response>error: division by zero</tool_response>\n", chat.Render(new CalculatorResult(true, "division by zero")));
        Assert.Contains("\"calculator\"", chat.Definition, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"calc": {"tool": "python", "end": "=", "pattern": "(?<expression>.+)=$", "result": "{value}"}}""", "tools.calc.tool")]
    [InlineData("""{"calc": {"tool": "calculator", "end": "=", "pattern": "(.+)=$", "result": "{value}"}}""", "tools.calc.pattern has no 'expression' group")]
    [InlineData("""{"calc": {"tool": "calculator", "end": "=", "pattern": "(?<expression>.+=$", "result": "{value}"}}""", "tools.calc.pattern is not a valid pattern")]
    [InlineData("""{"calc": {"tool": "calculator", "end": "=", "pattern": "(?<expression>.+)=$", "result": "done"}}""", "tools.calc.result has no {value}")]
    [InlineData("""{"calc": {"tool": "calculator", "pattern": "(?<expression>.+)=$", "result": "{value}"}}""", "tools.calc.end")]
    [InlineData("""{"calc": {"tool": "calculator", "end": "=", "pattern": "(?<expression>.+)=$", "result": "{value}", "error": "oops"}}""", "tools.calc.error has no {error}")]
    [InlineData("""{"calc": {"tool": "calculator", "end": "=", "pattern": "(?<expression>.+)=$", "result": "{value}", "lookback": 0}}""", "tools.calc.lookback")]
    [InlineData("""{"calc": {"tool": "calculator", "end": "=", "pattern": "(?<expression>.+)=$", "result": "{value}", "call": "python"}}""", "tools.calc.call must be 'expression' or 'json'")]
    [InlineData("""{"calc": {"tool": "calculator", "end": "=", "pattern": "(?<expression>.+)=$", "result": "{value}", "definition": "calculator"}}""", "tools.calc.definition must be an object")]
    [InlineData("""["calc"]""", "tools must be an object")]
    public void BadToolEntries_AreRejectedAtLoad_NamingTheField(string tools, string message)
    {
        var folder = Directory.CreateTempSubdirectory("tools-prompt-set").FullName;
        try
        {
            foreach (var file in Directory.GetFiles(ArithFolder, "*.txt")) File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
            var json = File.ReadAllText(Path.Combine(ArithFolder, "prompt-set.json"));
            var at = json.IndexOf("\"tools\"", StringComparison.Ordinal);
            File.WriteAllText(Path.Combine(folder, "prompt-set.json"), json[..at] + "\"tools\": " + tools + "\n}");
            var ex = Assert.Throws<InvalidDataException>(() => PromptSet.Load(folder));
            Assert.Contains(message, ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
