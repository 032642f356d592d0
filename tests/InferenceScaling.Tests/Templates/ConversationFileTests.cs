using InferenceScaling.Templates;

namespace InferenceScaling.Tests.Templates;

/// <summary>The messages file of <c>infscale prompt</c>: an OpenAI-style array, checked with errors that name the message.</summary>
public sealed class ConversationFileTests : IDisposable
{
    private readonly string _path = Path.GetTempFileName();

    public void Dispose() => File.Delete(_path);

    [Fact]
    public void Messages_file_renders_through_the_template()
    {
        File.WriteAllText(_path, """[{"role": "system", "content": "S"}, {"role": "user", "content": "Q"}]""");
        var template = ChatTemplate.Parse("{% for m in messages %}<{{ m.role }}>{{ m.content }}{% endfor %}{% if add_generation_prompt %}<assistant>{% endif %}");
        Assert.Equal("<system>S<user>Q<assistant>", template.Render(ConversationFile.Read(_path)));
        Assert.Equal("<system>S<user>Q", template.Render(ConversationFile.Read(_path), addGenerationPrompt: false));
    }

    [Theory]
    [InlineData("""{"role": "user"}""", "expected a JSON array")]
    [InlineData("""[{"role": "user", "content": "a"}, "b"]""", "message 1 is not an object")]
    [InlineData("""[{"content": "a"}]""", "message 0 has no \"role\"")]
    [InlineData("""[{"role": "user", "content": 5}]""", "message 0 has a \"content\"")]
    [InlineData("""[{"role": "user", """, "not valid JSON")]
    public void Bad_messages_file_is_refused_naming_the_problem(string json, string problem)
    {
        File.WriteAllText(_path, json);
        var ex = Assert.Throws<InvalidDataException>(() => ConversationFile.Read(_path));
        Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
    }
}
