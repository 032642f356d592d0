using System.Numerics;
using System.Text.RegularExpressions;
using InferenceScaling.Arith;
using InferenceScaling.Prompts;
using InferenceScaling.Runtime;
using InferenceScaling.Sampling;
using InferenceScaling.Tests.Models;
using InferenceScaling.Tools;

namespace InferenceScaling.Tests.Tools;

/// <summary>The calculator inside the shipped model's decode loop.</summary>
public sealed partial class ToolDecodingTests(ShippedModelFixture fixture) : IClassFixture<ShippedModelFixture>
{
    private static readonly PromptSet Arith = PromptSet.Load(Path.Combine(RepoPaths.Root, "prompts", "arith"));

    [GeneratedRegex(@"(?<![\d.])(\d+)([-+*/])(\d+)=(-?[\d./]+)\.")]
    private static partial Regex Step();

    private TraceRequest Request(int count) => new()
    {
        Prompt = Arith.Solve(new ArithmeticProblemGenerator(77).Next(ProblemDifficulty.Hard).Question),
        Count = count,
        Sampling = new SamplingOptions { Temperature = 0.8f, Seed = 3, MaxTokens = 96 },
    };

    [Fact]
    public async Task WithTheCalculator_EveryStepsResultIsExact_AndIsWhatTheToolInjected()
    {
        var tools = ToolSet.FromPromptSet(Arith, ["calc"], fixture.Model.Tokenizer, fixture.Model.Signature.VocabularySize);
        var generator = new OnnxTraceGenerator(fixture.Model).UseTools(tools);
        var traces = await generator.GenerateAllAsync(Request(6));
        var steps = 0;
        foreach (var trace in traces)
        {
            var written = Step().Matches(trace.Text);
            Assert.Equal(written.Count, trace.ToolCalls.Count);
            for (var i = 0; i < written.Count; i++)
            {
                var (a, op, b, c) = (BigInteger.Parse(written[i].Groups[1].Value), written[i].Groups[2].Value, BigInteger.Parse(written[i].Groups[3].Value), written[i].Groups[4].Value);
                Assert.Equal(Calculator.Default.Evaluate($"{a}{op}{b}").Text, c);
                var call = trace.ToolCalls[i];
                Assert.Equal($"{a}{op}{b}", call.Expression);
                Assert.Equal(c, call.Result);
                // The call's tokens are the injected ones, and they decode to the value and the step's terminator.
                Assert.All(Enumerable.Range(call.Position, call.InjectedTokens), k => Assert.True(trace.IsInjected(k)));
                Assert.Equal(c + ".", fixture.Model.Tokenizer.Decode(trace.TokenIds.Skip(call.Position).Take(call.InjectedTokens)));
                steps++;
            }

            Assert.Equal(trace.ToolCalls.Sum(c => c.InjectedTokens), trace.InjectedTokens);
        }

        Assert.True(steps >= traces.Count * 2, $"expected at least two steps per trace, saw {steps}");
    }

    [Fact]
    public async Task WithAndWithoutTheCalculator_TracesAgreeUpToTheFirstCall()
    {
        var tools = ToolSet.FromPromptSet(Arith, ["calc"], fixture.Model.Tokenizer, fixture.Model.Signature.VocabularySize);
        var plain = await new OnnxTraceGenerator(fixture.Model).GenerateAllAsync(Request(4));
        var tooled = await new OnnxTraceGenerator(fixture.Model).UseTools(tools).GenerateAllAsync(Request(4));
        for (var i = 0; i < plain.Count; i++)
        {
            var first = tooled[i].ToolCalls[0].Position;
            Assert.Equal(plain[i].TokenIds.Take(first), tooled[i].TokenIds.Take(first));
            Assert.Null(plain[i].Injected);
        }
    }
}
