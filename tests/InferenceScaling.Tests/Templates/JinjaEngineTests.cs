using InferenceScaling.Templates;
using InferenceScaling.Templates.Jinja;

namespace InferenceScaling.Tests.Templates;

/// <summary>Whitespace rules, Python printing, errors with positions and sandbox bounds of the Jinja engine.</summary>
public sealed class JinjaEngineTests
{
    private static string Render(string source, Dictionary<string, object?>? variables = null, RenderLimits? limits = null) =>
        Template.Parse(source).Render(variables ?? [], Dialect.Python, limits);

    // Expected strings below were rendered by Python jinja2 3.1.2 with trim_blocks=True, lstrip_blocks=True.
    [Theory]
    [InlineData("  {% if true %}\n    A\n  {% endif %}\n", "    A\n")]
    [InlineData("a {% if true %}b{% endif %}\n  c\n", "a b  c")]
    [InlineData("{# c #}\n  x {%+ if true %}y{% endif +%}\nz", "  x y\nz")]
    [InlineData("{% raw %}{{ x }}{% endraw %}", "{{ x }}")]
    [InlineData("{{ 1 }}\n{{ 2 }}\n", "1\n2")]
    [InlineData("{%- if true -%}\n  A  \n{%- endif %}  B", "A  B")]
    [InlineData("{% set x %}\n  hi\n{% endset %}[{{ x }}]", "[  hi\n]")]
    public void Whitespace_follows_trim_blocks_and_lstrip_blocks(string source, string expected) =>
        Assert.Equal(expected, Render(source));

    [Fact]
    public void Values_print_as_python_prints_them() =>
        Assert.Equal("[1, 'a', None, True]|{'k': 1.5}|(1,)|None|1e+20|0.0001|0.3333333333333333",
            Render("{{ [1, \"a\", none, true] }}|{{ {\"k\": 1.5} }}|{{ (1,) }}|{{ none }}|{{ 1e20 }}|{{ 0.0001 }}|{{ 1/3 }}"));

    [Theory]
    [InlineData("Hello\n  {% include 'x.jinja' %}", TemplateErrorKind.Unsupported, 2, 6)]
    [InlineData("{{ messages | frobnicate }}", TemplateErrorKind.Unsupported, 1, 15)]
    [InlineData("{% if x is frobnicated %}{% endif %}", TemplateErrorKind.Unsupported, 1, 12)]
    [InlineData("line one\n{% if x %}never closed", TemplateErrorKind.Syntax, 2, 23)]
    [InlineData("{{ 'unclosed }}", TemplateErrorKind.Syntax, 1, 4)]
    [InlineData("{% endfor %}", TemplateErrorKind.Syntax, 1, 4)]
    public void Bad_or_unsupported_template_fails_at_parse_naming_line_and_column(string source, TemplateErrorKind kind, int line, int column)
    {
        var ex = Assert.Throws<TemplateException>(() => Template.Parse(source));
        Assert.Equal((kind, line, column), (ex.Kind, ex.Line, ex.Column));
    }

    [Fact]
    public void Runtime_error_names_the_expression_position()
    {
        var ex = Assert.Throws<TemplateException>(() => Render("ok\n  {{ 1 + [] }}"));
        Assert.Equal((TemplateErrorKind.Runtime, 2, 8), (ex.Kind, ex.Line, ex.Column));
    }

    [Fact]
    public void Raise_exception_surfaces_the_template_message()
    {
        var ex = Assert.Throws<TemplateException>(() => Render("{{ raise_exception('roles must alternate') }}"));
        Assert.Equal((TemplateErrorKind.Raised, "roles must alternate"), (ex.Kind, ex.Detail));
    }

    [Theory]
    [InlineData("{% for i in range(1000) %}{% for j in range(1000) %}{% endfor %}{% endfor %}")]
    [InlineData("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}")]
    [InlineData("{% for i in range(10) %}{{ 'x' * 1000000 }}{% endfor %}")]
    [InlineData("{{ range(10000000) | length }}")]
    public void Runaway_template_stops_at_a_bound(string source)
    {
        var ex = Assert.Throws<TemplateException>(() => Render(source, limits: new RenderLimits(MaxOutputChars: 2_000_000, MaxIterations: 100_000, MaxCallDepth: 32)));
        Assert.Equal(TemplateErrorKind.Limit, ex.Kind);
    }

    [Fact]
    public void Deeply_nested_expression_is_refused_not_a_stack_overflow()
    {
        var ex = Assert.Throws<TemplateException>(() => Template.Parse("{{ " + new string('(', 5000) + "1" + new string(')', 5000) + " }}"));
        Assert.Equal(TemplateErrorKind.Limit, ex.Kind);
    }

    [Fact]
    public void Template_cannot_reach_dotnet_members()
    {
        var messages = new JinjaList([new JinjaDict()]);
        Assert.Equal("||||", Render("{{ ''.__class__ }}|{{ messages.GetType }}|{{ messages.Count }}|{{ 'a'.Length }}|{{ messages[0].Items }}",
            new() { ["messages"] = messages }));
    }

    [Fact]
    public void Namespace_carries_values_out_of_a_loop_and_plain_set_does_not() =>
        Assert.Equal("True|False", Render(
            "{% set ns = namespace(found=false) %}{% set found = false %}{% for m in [1, 2] %}{% set ns.found = true %}{% set found = true %}{% endfor %}{{ ns.found }}|{{ found }}"));

    [Fact]
    public void Loop_variables_and_slices_work_as_in_jinja2() =>
        Assert.Equal("0:b:False:True|1:c:True:False|", Render(
            "{% for m in messages[1:] %}{{ loop.index0 }}:{{ m }}:{{ loop.last }}:{{ loop.first }}|{% endfor %}",
            new() { ["messages"] = new JinjaList(["a", "b", "c"]) }));
}
