using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using InferenceScaling.Prompts;
using InferenceScaling.Server;
using InferenceScaling.Solving;
using InferenceScaling.Tests.Models;
using InferenceScaling.Tools;

namespace InferenceScaling.Tests.Server;

/// <summary>The <c>tools</c> field of <c>/v1/solve</c> and <c>/v1/chat/completions</c>, and the server's default tools.</summary>
public sealed partial class ServerToolsTests(ShippedModelFixture fixture) : IClassFixture<ShippedModelFixture>
{
    private const string Question = "Tom has 312 apples. He buys 79 more. Then he gives away 45. Then he multiplies them by 7. How many apples does he have now?";

    [GeneratedRegex(@"(?<![\d.])(\d+[-+*/]\d+)=(-?[\d./]+)\.")]
    private static partial Regex Step();

    [Fact]
    public async Task Solve_WithTools_InjectsEveryStepsValue_AndCountsInjectedTokensApart()
    {
        await using var server = await LoopbackServer.StartAsync(fixture.Model);
        var response = await server.PostJsonAsync("/v1/solve", $$"""{"question":"{{Question}}","tools":"calc","budget":{"samples":4,"confidence":null},"return_traces":true}""");
        var body = await LoopbackServer.ReadJsonAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("calc", body.GetProperty("tools").GetString());
        var traces = body.GetProperty("traces").EnumerateArray().ToList();
        Assert.Equal(4, traces.Count);
        foreach (var t in traces)
        {
            var calls = t.GetProperty("tool_calls").EnumerateArray().ToList();
            var steps = Step().Matches(t.GetProperty("text").GetString()!);
            Assert.Equal(steps.Count, calls.Count);
            for (var i = 0; i < steps.Count; i++)
            {
                Assert.Equal(steps[i].Groups[1].Value, calls[i].GetProperty("expression").GetString());
                Assert.Equal(Calculator.Default.Evaluate(steps[i].Groups[1].Value).Text, steps[i].Groups[2].Value);
            }
        }

        var usage = body.GetProperty("usage");
        Assert.Equal(traces.Sum(t => t.GetProperty("injected_tokens").GetInt64()), usage.GetProperty("injected_tokens").GetInt64());
        Assert.Equal(traces.Sum(t => t.GetProperty("generated_tokens").GetInt64()), usage.GetProperty("generated_tokens").GetInt64());
        Assert.True(usage.GetProperty("injected_tokens").GetInt64() > 0);
    }

    [Fact]
    public async Task ChatCompletions_TakeOpenAIStyleToolObjects_ByToolName()
    {
        await using var server = await LoopbackServer.StartAsync(fixture.Model);
        var body = await LoopbackServer.ReadJsonAsync(await server.PostJsonAsync("/v1/chat/completions",
            $$$"""{"messages":[{"role":"user","content":"{{{Question}}}"}],"n":2,"seed":5,"tools":[{"type":"function","function":{"name":"calculator"}}]}"""));
        foreach (var choice in body.GetProperty("choices").EnumerateArray())
        {
            var steps = Step().Matches(choice.GetProperty("message").GetProperty("content").GetString()!);
            Assert.NotEmpty(steps);
            Assert.All(steps, s => Assert.Equal(Calculator.Default.Evaluate(s.Groups[1].Value).Text, s.Groups[2].Value));
        }
    }

    [Fact]
    public async Task TheServersDefaultTools_ApplyUnlessARequestSaysNone()
    {
        await using var server = await LoopbackServer.StartAsync(fixture.Model, new ServerOptions { Services = SolverServices.For(fixture.Model) with { Tools = ToolSet.FromPromptSet(PromptSet.ForModel(fixture.Model), ["calc"], fixture.Model.Tokenizer, fixture.Model.Signature.VocabularySize) } });
        async Task<long> Injected(string tools) => (await LoopbackServer.ReadJsonAsync(await server.PostJsonAsync("/v1/solve",
            $$$"""{"question":"{{{Question}}}"{{{tools}}},"budget":{"samples":2,"confidence":null}}"""))).GetProperty("usage").GetProperty("injected_tokens").GetInt64();
        Assert.True(await Injected("") > 0);
        Assert.Equal(0, await Injected(",\"tools\":\"none\""));
        Assert.Equal(0, await Injected(",\"tools\":[]"));
    }

    [Theory]
    [InlineData("/v1/solve", "\"tools\":\"python\"", "tools", "unknown_tool")]
    [InlineData("/v1/solve", "\"tools\":42", "tools", null)]
    [InlineData("/v1/chat/completions", "\"tools\":[{\"type\":\"function\"}]", "tools[0].function.name", "missing_field")]
    [InlineData("/v1/chat/completions", "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"web_search\"}}]", "tools", "unknown_tool")]
    public async Task BadTools_Get400_NamingTheField(string path, string tools, string param, string? code)
    {
        await using var server = await LoopbackServer.StartAsync(fixture.Model);
        var json = path == "/v1/solve"
            ? $$"""{"question":"{{Question}}",{{tools}}}"""
            : $$"""{"messages":[{"role":"user","content":"{{Question}}"}],{{tools}}}""";
        var response = await server.PostJsonAsync(path, json);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = (await LoopbackServer.ReadJsonAsync(response)).GetProperty("error");
        Assert.Equal(param, error.GetProperty("param").GetString());
        if (code is not null) Assert.Equal(code, error.GetProperty("code").GetString());
    }
}
