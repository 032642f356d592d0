using System.Text.Json;
using InferenceScaling.Templates;

namespace InferenceScaling.Tests.Templates;

/// <summary>
/// Real chat templates (Qwen2.5, Llama-3.1, Phi-3, Mistral v0.1 and v0.3) rendered through the public API must equal
/// what Python's jinja2, set up as transformers sets it up, rendered (Data/make-python-goldens.py wrote the file).
/// </summary>
public sealed class PythonGoldenTests
{
    private static readonly Lazy<JsonElement[]> Goldens = new(() =>
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(HfJsSuite.DataFolder, "python-goldens.json")));
        return [.. doc.RootElement.Clone().GetProperty("cases").EnumerateArray()];
    });

    public static TheoryData<int> Indices() => [.. Enumerable.Range(0, Goldens.Value.Length)];

    [Theory]
    [MemberData(nameof(Indices))]
    public void Template_renders_as_python_jinja2_renders_it(int index)
    {
        var c = Goldens.Value[index];
        var special = new Dictionary<string, string>();
        if (c.GetProperty("bos_token").GetString() is { } bos) special["bos_token"] = bos;
        special["eos_token"] = c.GetProperty("eos_token").GetString()!;
        var template = ChatTemplate.Parse(c.GetProperty("source").GetString()!, special);
        var tools = c.GetProperty("tool_schemas");
        string Render() => template.Render(c.GetProperty("messages"), c.GetProperty("add_generation_prompt").GetBoolean(), tools.ValueKind == JsonValueKind.Null ? null : tools);

        if (c.GetProperty("raised").GetString() is { } raised)
        {
            var ex = Assert.Throws<TemplateException>(Render);
            Assert.Equal(TemplateErrorKind.Raised, ex.Kind);
            Assert.Equal(raised, ex.Detail);
            return;
        }

        Assert.Equal(c.GetProperty("expected").GetString(), Render());
    }

    [Theory]
    [InlineData("qwen2.5", "<|im_end|>")]
    [InlineData("llama-3.1", "<|eot_id|>")]
    [InlineData("phi-3", "<|end|>")]
    [InlineData("mistral-v0.1", "</s>")]
    public void End_of_turn_is_read_from_the_template(string name, string expected)
    {
        var c = Goldens.Value.First(g => g.GetProperty("template").GetString() == name);
        var special = new Dictionary<string, string> { ["eos_token"] = c.GetProperty("eos_token").GetString()! };
        if (c.GetProperty("bos_token").GetString() is { } bos) special["bos_token"] = bos;
        Assert.Equal(expected, ChatTemplate.Parse(c.GetProperty("source").GetString()!, special).EndOfTurn);
    }
}
