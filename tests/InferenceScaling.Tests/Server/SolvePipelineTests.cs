using System.Net;
using System.Text.Json;
using InferenceScaling.Server;
using InferenceScaling.Tests.Models;

namespace InferenceScaling.Tests.Server;

/// <summary>The server runs the whole pipeline the budget asks for (vote, verification, refinement) on the shipped model.</summary>
public sealed class SolvePipelineTests(ShippedModelFixture fixture) : IClassFixture<ShippedModelFixture>
{
    private const string Question = "Tom has 12 apples. He buys 7 more, then triples them. How many apples does he have?";

    [Fact]
    public async Task Solve_WithChecksAndRounds_ReportsVerificationAndRefinement_AndCountsTheirCost()
    {
        await using var server = await LoopbackServer.StartAsync(fixture.Model);
        var response = await server.PostJsonAsync("/v1/solve",
            $$$"""{"question":"{{{Question}}}","budget":{"samples":6,"confidence":null,"checks":3,"rounds":1},"return_traces":true}""");
        var body = await LoopbackServer.ReadJsonAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var verification = body.GetProperty("verification");
        var candidates = verification.GetProperty("candidates").EnumerateArray().ToList();
        var answered = body.GetProperty("traces").EnumerateArray().Count(t => t.GetProperty("answer").ValueKind == JsonValueKind.String);
        Assert.Equal(answered, candidates.Sum(c => c.GetProperty("votes").GetInt32()));
        var checks = candidates.Sum(c => c.GetProperty("checks").GetArrayLength());
        Assert.InRange(checks, 1, 3);

        // Every stage's tokens are in the total: six samples, the checks, and the refinement rounds.
        long Tokens(JsonElement e) => e.ValueKind == JsonValueKind.Null ? 0 : e.GetProperty("usage").GetProperty("generated_tokens").GetInt64();
        var sampled = body.GetProperty("traces").EnumerateArray().Sum(t => t.GetProperty("generated_tokens").GetInt64());
        var refinement = body.GetProperty("refinement");
        // The stage named is the one whose answer came back: refinement only when it replaced the verified answer.
        var replaced = refinement.ValueKind == JsonValueKind.Object && refinement.GetProperty("changed").GetBoolean();
        Assert.Equal(replaced ? "refinement" : "verification", body.GetProperty("stage").GetString());
        if (refinement.ValueKind == JsonValueKind.Object)
            Assert.Contains(refinement.GetProperty("gate").GetString(), Enum.GetValues<InferenceScaling.Refinement.GateDecision>().Select(InferenceScaling.Server.SolutionBody.Name));
        Assert.All(body.GetProperty("refinement_rounds").EnumerateArray(), r => Assert.Equal(JsonValueKind.Array, r.GetProperty("reasons").ValueKind));
        Assert.Equal(sampled + Tokens(verification) + Tokens(refinement), Tokens(body));
        // The shipped model's checks are step scores: one per candidate, each scoring every step forward and undone.
        Assert.All(candidates.SelectMany(c => c.GetProperty("checks").EnumerateArray()), k => Assert.NotEmpty(k.GetProperty("steps").EnumerateArray()));
        Assert.Equal(6 + verification.GetProperty("usage").GetProperty("samples").GetInt32() + body.GetProperty("refinement_rounds").EnumerateArray().Sum(r => r.GetProperty("usage").GetProperty("samples").GetInt32()),
            body.GetProperty("usage").GetProperty("samples").GetInt32());
    }

    [Fact]
    public async Task Solve_WithoutChecksOrRounds_IsThePlainVote()
    {
        await using var server = await LoopbackServer.StartAsync(fixture.Model);
        var body = await LoopbackServer.ReadJsonAsync(await server.PostJsonAsync("/v1/solve",
            $$$"""{"question":"{{{Question}}}","budget":{"samples":4,"confidence":null,"checks":0,"rounds":0}}"""));

        Assert.Equal(JsonValueKind.Null, body.GetProperty("verification").ValueKind);
        Assert.Equal(JsonValueKind.Null, body.GetProperty("refinement").ValueKind);
        Assert.Equal(4, body.GetProperty("usage").GetProperty("samples").GetInt32());
    }
}
