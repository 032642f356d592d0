using System.Net;
using System.Net.Sockets;
using InferenceScaling.Remote;
using InferenceScaling.Runtime;
using InferenceScaling.Sampling;
using InferenceScaling.Tests.Models;
using InferenceScaling.Tests.Server;

namespace InferenceScaling.Tests.Remote;

/// <summary>The remote backend against the project's own service: two instances on loopback, real HTTP.</summary>
public sealed class RemoteOverLoopbackTests(ShippedModelFixture fixture) : IClassFixture<ShippedModelFixture>
{
    private const string Question = "Q: Eva has 46 eggs. She gives away 36. She gives away half of them. Then she loses 4. How many eggs does Eva have?\nA:";

    [Fact]
    public async Task GreedyTraces_OnTwoServices_AreTheLocalGreedyTrace_AndBothServicesWork()
    {
        await using var a = await LoopbackServer.StartAsync(fixture.Model);
        await using var b = await LoopbackServer.StartAsync(fixture.Model);
        using var backend = RemoteBackend.Create(new RemoteBackendOptions { Endpoints = [a.Address, b.Address] });
        var sampling = new SamplingOptions { Temperature = 0, MaxTokens = 60, TopLogProbs = 3 };
        var local = (await new OnnxTraceGenerator(fixture.Model).GenerateAllAsync(new TraceRequest { Prompt = Question, Sampling = sampling }))[0];

        var remote = await backend.TraceGenerator.GenerateAllAsync(new TraceRequest { Prompt = Question, Count = 4, Sampling = sampling });

        Assert.All(remote, t =>
        {
            Assert.Equal(local.Text, t.Text);
            Assert.Equal(local.TokenIds, t.TokenIds);
            Assert.Equal(local.FinishReason, t.FinishReason);
            Assert.Equal(local.PromptTokens, t.PromptTokens);
            for (var i = 0; i < t.TokenLogProbs.Count; i++)
            {
                Assert.Equal(local.TokenLogProbs[i], t.TokenLogProbs[i], 4);
                Assert.Equal(local.TokenConfidences[i], t.TokenConfidences[i], 3);
                Assert.Equal(local.TopLogProbs![i][0].TokenId, t.TopLogProbs![i][0].TokenId);
            }
        });
        var stats = backend.Statistics();
        Assert.All(stats, s => Assert.Equal(2, s.Succeeded));
        Assert.Equal(local.PromptTokens, backend.TraceGenerator.CountTokens(Question));
    }

    [Fact]
    public async Task SampledTraces_WithOneSeed_AreTheSameOnEitherService()
    {
        await using var a = await LoopbackServer.StartAsync(fixture.Model);
        await using var b = await LoopbackServer.StartAsync(fixture.Model);
        using var viaA = RemoteBackend.Create(new RemoteBackendOptions { Endpoints = [a.Address] });
        using var viaBoth = RemoteBackend.Create(new RemoteBackendOptions { Endpoints = [b.Address, a.Address] });
        var request = new TraceRequest { Prompt = "Q: A shop has 847 pens. It sells 389 of them. Then it gets 6 times as many as it has. How many pens does it have?\nA:", Count = 6, Sampling = new SamplingOptions { Temperature = 1.5f, Seed = 99, MaxTokens = 60 } };

        var first = await viaA.TraceGenerator.GenerateAllAsync(request);
        var second = await viaBoth.TraceGenerator.GenerateAllAsync(request);

        Assert.Equal(first.Select(t => t.Text), second.Select(t => t.Text));
        Assert.True(first.Select(t => t.Text).Distinct().Count() > 1, string.Join(" | ", first.Select(t => t.Text)));
    }

    [Fact]
    public async Task RemoteScores_AreTheLocalScores()
    {
        await using var a = await LoopbackServer.StartAsync(fixture.Model);
        using var backend = RemoteBackend.Create(new RemoteBackendOptions { Endpoints = [a.Address] });
        Continuation[] items = [new("Calc: 46-36=", "10."), new("Calc: 46-36=", "11."), new("Calc: 7*8=", "56.")];
        var local = await new OnnxContinuationScorer(fixture.Model).ScoreAsync(items);

        Assert.True(await backend.Scorer.CanScoreAsync());
        var remote = await backend.Scorer.ScoreAsync(items);

        for (var i = 0; i < items.Length; i++)
        {
            Assert.Equal(local[i].TokenLogProbs.Count, remote[i].TokenLogProbs.Count);
            Assert.Equal(local[i].LogProb, remote[i].LogProb, 4);
            Assert.Equal(local[i].IsGreedy, remote[i].IsGreedy);
            Assert.Equal(local[i].PromptTokens, remote[i].PromptTokens);
        }
    }

    [Fact]
    public async Task RefusedPort_FailsNamingTheEndpoint()
    {
        // A port that was free a moment ago: nothing listens there, so connecting is refused at once.
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var url = new Uri($"http://127.0.0.1:{port}/v1");
        using var backend = RemoteBackend.Create(new RemoteBackendOptions { Endpoints = [url], MaxAttempts = 2, RetryBaseDelay = TimeSpan.Zero });

        var e = await Assert.ThrowsAsync<RemoteBackendException>(() => backend.TraceGenerator.GenerateOneAsync(new TraceRequest { Prompt = Question }));

        Assert.Equal(url, e.Endpoint);
        Assert.Contains($"127.0.0.1:{port}", e.Message);
        Assert.Null(e.StatusCode);
    }
}
