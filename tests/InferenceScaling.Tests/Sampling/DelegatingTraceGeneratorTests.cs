using System.Runtime.CompilerServices;
using InferenceScaling.Runtime;
using InferenceScaling.Sampling;
using InferenceScaling.Scheduling;
using InferenceScaling.Tests.Fakes;
using InferenceScaling.Tests.Runtime;
using InferenceScaling.Tokenization;

namespace InferenceScaling.Tests.Sampling;

public sealed class DelegatingTraceGeneratorTests(TinyModelFixture fixture) : IClassFixture<TinyModelFixture>
{
    /// <summary>A wrapper that overrides nothing but tags every trace it passes.</summary>
    private sealed class Tagging(ITraceGenerator inner) : DelegatingTraceGenerator(inner)
    {
        public override async IAsyncEnumerable<Trace> GenerateAsync(TraceRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await foreach (var t in InnerGenerator.GenerateAsync(request, cancellationToken).ConfigureAwait(false)) yield return t with { Text = "#" + t.Text };
        }
    }

    [Fact]
    public async Task Wrapper_PassesCountTokensThrough_AndOnlyWhatItOverrides()
    {
        var model = ScriptedPipeline.Model("7");
        var wrapped = new Tagging(model);

        var traces = await wrapped.GenerateAllAsync(new TraceRequest { Prompt = ScriptedPipeline.Arith.Solve("q") });

        Assert.Equal(model.CountTokens("abcd"), wrapped.CountTokens("abcd"));
        Assert.Equal("#" + ScriptedPipeline.Solution("7"), Assert.Single(traces).Text);
    }

    [Fact]
    public void GetService_AnswersTheWrapperFirst_ThenAsksTheInnerGenerator()
    {
        var model = ScriptedPipeline.Model("7");
        var wrapped = new Tagging(new Tagging(model));

        Assert.Same(wrapped, wrapped.GetService<Tagging>());
        Assert.Same(model, wrapped.GetService<ScriptedModel>());
        Assert.Null(wrapped.GetService<ScriptedModel>(serviceKey: "other"));
        Assert.Null(wrapped.GetService<IContinuationScorer>());
    }

    [Fact]
    public async Task OnnxGeneratorAndScheduler_HandOutTheirModel_Tokenizer_AndOneScorer()
    {
        var generator = new OnnxTraceGenerator(fixture.Model);
        await using var scheduler = new ContinuousBatchScheduler(fixture.Model);
        foreach (ITraceGenerator g in new ITraceGenerator[] { generator, scheduler })
        {
            var wrapped = new Tagging(g);
            Assert.Same(fixture.Model, wrapped.GetService<DecoderModel>());
            Assert.Same(fixture.Model.Tokenizer, wrapped.GetService<ModelTokenizer>());
            var scorer = wrapped.GetService<IContinuationScorer>();
            Assert.IsType<OnnxContinuationScorer>(scorer);
            Assert.Same(scorer, wrapped.GetService<IContinuationScorer>());
        }
    }
}
