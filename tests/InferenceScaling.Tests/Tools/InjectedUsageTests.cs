using System.Runtime.CompilerServices;
using InferenceScaling.Sampling;
using InferenceScaling.Solving;
using InferenceScaling.Tests.Fakes;

namespace InferenceScaling.Tests.Tools;

/// <summary>Usage counts the tokens tools injected apart from the ones the model generated.</summary>
public sealed class InjectedUsageTests
{
    /// <summary>Marks the first <paramref name="injected"/> tokens of every trace as injected by a tool.</summary>
    private sealed class MarkingGenerator(ITraceGenerator inner, int injected) : ITraceGenerator
    {
        public int CountTokens(string text) => inner.CountTokens(text);

        public async IAsyncEnumerable<Trace> GenerateAsync(TraceRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await foreach (var t in inner.GenerateAsync(request, cancellationToken))
                yield return t with { Injected = Enumerable.Range(0, t.TokenIds.Count).Select(i => i < injected).ToArray() };
        }
    }

    [Fact]
    public void Usage_AddsInjectedTokensApartFromGeneratedOnes()
    {
        var sum = new Usage { GeneratedTokens = 10, InjectedTokens = 3 } + new Usage { GeneratedTokens = 5, InjectedTokens = 4 };
        Assert.Equal(15, sum.GeneratedTokens);
        Assert.Equal(7, sum.InjectedTokens);
    }

    [Fact]
    public async Task SelfConsistency_CountsInjectedTokensApart_AndGeneratedTokensWithoutThem()
    {
        var script = Enumerable.Range(0, 4).Select(_ => ScriptedTrace.Answer("4", tokens: 10)).ToArray();
        var generator = new MarkingGenerator(new ScriptedTraceGenerator(script), injected: 3);
        var solver = new SelfConsistencySolver(generator, AnswerLineExtractor.Instance, TrimEquivalence.Instance);
        var solution = await solver.SolveAsync("q", new Budget { MaxSamples = 4, WaveSize = 4 });
        Assert.Equal(4, solution.Usage.Samples);
        Assert.Equal(4 * 3, solution.Usage.InjectedTokens);
        Assert.Equal(4 * 7, solution.Usage.GeneratedTokens);
    }
}
