using InferenceScaling.Tests.Fakes;
using System.Net;
using InferenceScaling.Remote;
using InferenceScaling.Sampling;

namespace InferenceScaling.Tests.Remote;

public sealed class RemoteContinuationScorerTests
{
    private static RemoteBackend Backend(FakeEndpoints fake, RemoteApi api = RemoteApi.Auto) =>
        RemoteBackend.Create(new RemoteBackendOptions { Endpoints = [FakeEndpoints.Url("a")], Api = api, RetryBaseDelay = TimeSpan.Zero, TimeProvider = new ManualTimeProvider() }, fake);

    [Fact]
    public async Task EchoedLogProbs_ScoreTheContinuationTokensOnly()
    {
        var fake = new FakeEndpoints();
        fake.On("a", _ => FakeEndpoints.Json(RecordedBodies.VllmEcho));
        using var backend = Backend(fake);

        var score = (await backend.Scorer.ScoreAsync([new Continuation("Calc: 4+5=", "9.")])).Single();

        Assert.Equal([-0.7f, -0.02f], score.TokenLogProbs);
        Assert.Equal(6, score.PromptTokens);
        // "8" was likelier than the written "9": greedy decoding would not have written it.
        Assert.False(score.IsGreedy);
        var body = fake.Requests.Single(r => r.Route == "completions").Body;
        Assert.Equal("Calc: 4+5=9.", body.GetProperty("prompt").GetString());
        Assert.True(body.GetProperty("echo").GetBoolean());
        Assert.Equal(1, body.GetProperty("max_tokens").GetInt32());
        Assert.Equal(1, body.GetProperty("logprobs").GetInt32());
    }

    [Fact]
    public async Task ScoresComeBackInItemOrder()
    {
        var fake = new FakeEndpoints();
        fake.On("a", r => FakeEndpoints.Json(r.Body.GetProperty("prompt").GetString() == "Calc: 4+5=9."
            ? RecordedBodies.VllmEcho
            : RecordedBodies.VllmEcho.Replace("-0.7", "-0.25").Replace("\"8\":-0.6,", "")));
        using var backend = Backend(fake);

        var scores = await backend.Scorer.ScoreAsync([new Continuation("Calc: 4+5=", "9."), new Continuation("Calc: 4+5=", "9!")]);

        Assert.Equal(-0.7f, scores[0].TokenLogProbs[0]);
        Assert.Equal(-0.25f, scores[1].TokenLogProbs[0]);
        Assert.True(scores[1].IsGreedy);
    }

    [Fact]
    public async Task EndpointWithoutCompletions_CannotScore()
    {
        var fake = new FakeEndpoints();
        fake.On("a", _ => FakeEndpoints.Json("""{"error":{"message":"Unknown route","type":"invalid_request_error"}}""", HttpStatusCode.NotFound));
        using var backend = Backend(fake);

        Assert.False(await backend.Scorer.CanScoreAsync());
        await Assert.ThrowsAsync<RemoteScoringUnavailableException>(() => backend.Scorer.ScoreAsync([new Continuation("a", "b")]));
        Assert.Equal(1, fake.Count("a", "completions"));
    }

    [Fact]
    public async Task EndpointThatIgnoresEcho_CannotScore()
    {
        var fake = new FakeEndpoints();
        fake.On("a", _ => FakeEndpoints.Json("""{"id":"cmpl-1","object":"text_completion","created":1,"model":"fake-model","choices":[{"index":0,"text":"\n","logprobs":null,"finish_reason":"length"}],"usage":{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6}}"""));
        using var backend = Backend(fake);

        Assert.False(await backend.Scorer.CanScoreAsync());
    }

    [Fact]
    public async Task ChatOnlyBackend_CannotScore_WithoutAsking()
    {
        var fake = new FakeEndpoints();
        using var backend = Backend(fake, RemoteApi.ChatCompletions);

        Assert.False(await backend.Scorer.CanScoreAsync());
        Assert.Empty(fake.Requests);
    }

    [Fact]
    public async Task ScoringEndpointDown_FailsNamingIt()
    {
        var fake = new FakeEndpoints();
        using var backend = Backend(fake);

        var e = await Assert.ThrowsAsync<RemoteBackendException>(() => backend.Scorer.CanScoreAsync());

        Assert.Equal(FakeEndpoints.Url("a"), e.Endpoint);
    }
}
