using InferenceScaling.Templates;
using InferenceScaling.Templates.Jinja;

namespace InferenceScaling.Tests.Templates;

/// <summary>
/// huggingface.js's Jinja suites (templates.test.js: the language; e2e.test.js: real models' templates with their
/// expected output), rendered as huggingface.js prints values. A case this engine does not pass is listed in
/// Data/expected-errors.json with the error it raises, and must raise exactly that.
/// </summary>
public sealed class HfJsSuiteTests
{
    public static TheoryData<string> TemplateCases() => [.. HfJsSuite.Cases("templates").Select(c => c.GetProperty("name").GetString()!)];

    public static TheoryData<string> EndToEndCases() => [.. HfJsSuite.Cases("e2e").Select(c => c.GetProperty("name").GetString()!)];

    public static TheoryData<string> ErrorCases() => [.. HfJsSuite.ErrorCases().Select(c => c.GetProperty("name").GetString()!)];

    [Theory]
    [MemberData(nameof(TemplateCases))]
    public void Language_case_renders_the_expected_output(string name) => Check("templates", name);

    [Theory]
    [MemberData(nameof(EndToEndCases))]
    public void Model_template_renders_the_expected_output(string name) => Check("e2e", name);

    [Theory]
    [MemberData(nameof(ErrorCases))]
    public void Bad_template_is_refused_with_a_template_error(string name)
    {
        var c = HfJsSuite.ErrorCase(name);
        var ex = Assert.Throws<TemplateException>(() =>
            Template.Parse(c.GetProperty("template").GetString()!).Render(HfJsSuite.Context(c), Dialect.JavaScript));
        Assert.True(ex.Line >= 1 && ex.Column >= 1);
    }

    private static void Check(string suite, string name)
    {
        var c = HfJsSuite.Case(suite, name);
        var source = c.GetProperty("template").GetString()!;
        var expectedError = HfJsSuite.ExpectedError(suite, name);
        // e2e.test.js fixes the clock at 2025-07-10T12:00Z for templates that print today's date.
        string Render() => Template.Parse(source).Render(HfJsSuite.Context(c), Dialect.JavaScript, clock: new FixedClock(new DateTimeOffset(2025, 7, 10, 12, 0, 0, TimeSpan.Zero)));
        if (expectedError is { } kind)
        {
            var ex = Assert.Throws<TemplateException>(Render);
            Assert.Equal(kind, ex.Kind);
            return;
        }

        Assert.Equal(c.GetProperty("expected").GetString(), Render());
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;

        public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;
    }
}
