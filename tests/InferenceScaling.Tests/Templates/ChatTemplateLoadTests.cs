using System.Text.Json;
using InferenceScaling.Runtime;
using InferenceScaling.Templates;

namespace InferenceScaling.Tests.Templates;

/// <summary>Where a model folder's chat template and special tokens come from, and how a named template is picked.</summary>
public sealed class ChatTemplateLoadTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("chat-template-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private void Write(string file, string text) => File.WriteAllText(Path.Combine(_folder, file), text);

    private static string Config(object value) => JsonSerializer.Serialize(value);

    [Fact]
    public void Folder_without_a_template_has_none()
    {
        Write("tokenizer_config.json", Config(new { eos_token = "</s>" }));
        Assert.Null(ChatTemplate.Load(_folder));
    }

    [Fact]
    public void String_template_sees_special_tokens_given_as_added_token_objects()
    {
        Write("tokenizer_config.json", Config(new
        {
            chat_template = "{{ bos_token }}{% for m in messages %}{{ m.content }}{{ eos_token }}{% endfor %}",
            bos_token = new { __type = "AddedToken", content = "<s>", lstrip = false },
            eos_token = "</s>",
        }));
        var template = ChatTemplate.Load(_folder)!;
        Assert.Equal(("<s>", "</s>"), (template.BosToken, template.EosToken));
        Assert.Equal("<s>hi</s>", template.Render([ChatTurn.User("hi")]));
    }

    [Fact]
    public void Named_templates_pick_tool_use_when_tools_are_given_and_default_otherwise()
    {
        Write("tokenizer_config.json", Config(new
        {
            chat_template = new object[]
            {
                new { name = "default", template = "plain:{{ messages[0].content }}" },
                new { name = "tool_use", template = "tools:{{ tools | length }}:{{ messages[0].content }}" },
            },
        }));
        var template = ChatTemplate.Load(_folder)!;
        using var messages = JsonDocument.Parse("""[{"role": "user", "content": "q"}]""");
        using var tools = JsonDocument.Parse("""[{"type": "function", "function": {"name": "calc"}}]""");
        Assert.Equal("plain:q", template.Render(messages.RootElement));
        Assert.Equal("tools:1:q", template.Render(messages.RootElement, tools: tools.RootElement));
        Assert.Equal(["default", "tool_use"], template.Names.Order());
    }

    [Fact]
    public void Chat_template_jinja_file_wins_over_the_config()
    {
        Write("tokenizer_config.json", Config(new { chat_template = "config" }));
        Write("chat_template.jinja", "file:{{ messages | length }}\n");
        var template = ChatTemplate.Load(_folder)!;
        Assert.Equal("file:1", template.Render([ChatTurn.User("x")]));
        Assert.EndsWith("chat_template.jinja", template.Origin);
    }

    [Fact]
    public void Template_that_does_not_parse_is_a_load_error_naming_file_line_and_column()
    {
        Write("tokenizer_config.json", Config(new { chat_template = "ok\n{% include 'other' %}" }));
        var ex = Assert.Throws<ModelLoadException>(() => ChatTemplate.Load(_folder));
        var inner = Assert.IsType<TemplateException>(ex.InnerException);
        Assert.Equal((TemplateErrorKind.Unsupported, 2, 4), (inner.Kind, inner.Line, inner.Column));
        Assert.Contains("tokenizer_config.json", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Chat_template_of_the_wrong_json_type_is_a_load_error()
    {
        Write("tokenizer_config.json", Config(new { chat_template = 42 }));
        Assert.Throws<ModelLoadException>(() => ChatTemplate.Load(_folder));
    }
}
