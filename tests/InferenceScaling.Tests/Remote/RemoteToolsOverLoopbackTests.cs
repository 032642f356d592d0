using InferenceScaling.Prompts;
using InferenceScaling.Remote;
using InferenceScaling.Runtime;
using InferenceScaling.Sampling;
using InferenceScaling.Tests.Models;
using InferenceScaling.Tests.Server;
using InferenceScaling.Tools;

namespace InferenceScaling.Tests.Remote;

/// <summary>Tools over the remote generator against the project's own service on loopback, with the shipped model.</summary>
public sealed class RemoteToolsOverLoopbackTests(ShippedModelFixture fixture) : IClassFixture<ShippedModelFixture>
{
    private const string Question = "Q: A shop has 847 pens. It sells 389 of them. Then it gets 6 times as many as it has. How many pens does it have?\nA:";

    [Fact]
    public async Task GreedyWithTheCalculator_Remotely_WritesWhatTheLocalDecoderWrites()
    {
        await using var server = await LoopbackServer.StartAsync(fixture.Model);
        using var backend = RemoteBackend.Create(new RemoteBackendOptions { Endpoints = [server.Address] });
        var tools = ToolSet.FromPromptSet(PromptSet.Load(Path.Combine(RepoPaths.Root, "prompts", "arith")), ["calc"], fixture.Model.Tokenizer, fixture.Model.VocabularySize);
        var request = new TraceRequest { Prompt = Question, Sampling = new SamplingOptions { Temperature = 0, MaxTokens = 80 } };

        var local = await new OnnxTraceGenerator(fixture.Model).UseTools(tools).GenerateOneAsync(request);
        var remote = await backend.TraceGenerator.UseTools(tools).GenerateOneAsync(request);

        Assert.True(local.ToolCalls.Count >= 2, local.Text);
        Assert.Equal(local.Text, remote.Text);
        Assert.Equal(local.ToolCalls.Select(c => (c.Expression, c.Result)), remote.ToolCalls.Select(c => (c.Expression, c.Result)));
        Assert.Equal((local.GeneratedTokens, local.InjectedTokens), (remote.GeneratedTokens, remote.InjectedTokens));
    }
}
