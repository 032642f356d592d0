using System.Net;
using InferenceScaling.Remote;
using InferenceScaling.Server;
using InferenceScaling.Solving;
using InferenceScaling.Tests.Models;
using InferenceScaling.Tests.Server;

namespace InferenceScaling.Tests.Remote;

/// <summary><c>infscale serve --backend</c>: a front service whose pipeline samples and scores on two worker services.</summary>
public sealed class ScaledOutServiceTests(ShippedModelFixture fixture) : IClassFixture<ShippedModelFixture>
{
    [Fact]
    public async Task FrontService_SolvesOnItsWorkers_WithTheSameApi()
    {
        await using var workerA = await LoopbackServer.StartAsync(fixture.Model);
        await using var workerB = await LoopbackServer.StartAsync(fixture.Model);
        using var backend = RemoteBackend.Create(new RemoteBackendOptions { Endpoints = [workerA.Address, workerB.Address] });
        await using var front = await LoopbackServer.StartAsync(fixture.Model, new ServerOptions { Services = SolverServices.For(fixture.Model, backend.TraceGenerator) with { Scorer = backend.Scorer } });
        await using var local = await LoopbackServer.StartAsync(fixture.Model);
        const string body = """{"question":"Tom has 12 apples. He buys 7 more. Then he triples them. How many apples does he have now?","budget":{"samples":8,"confidence":null,"verifications":2},"seed":5}""";

        var response = await front.PostJsonAsync("/v1/solve", body);
        var reference = await LoopbackServer.ReadJsonAsync(await local.PostJsonAsync("/v1/solve", body));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var solved = await LoopbackServer.ReadJsonAsync(response);
        Assert.Equal(reference.GetProperty("answer").GetString(), solved.GetProperty("answer").GetString());
        var stats = backend.Statistics();
        // Eight sampled traces and the checks' scoring calls, spread over both workers; the front's own loop did nothing.
        Assert.True(stats.Sum(s => s.Succeeded) >= 8);
        Assert.All(stats, s => Assert.True(s.Succeeded >= 3, $"{s.Address}: {s.Succeeded}"));
        Assert.Equal(0, front.Scheduler.Statistics.DecodeSteps);
    }
}
