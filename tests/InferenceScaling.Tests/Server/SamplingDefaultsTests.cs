using System.Net;
using System.Text.Json;
using InferenceScaling.Sampling;
using InferenceScaling.Server;
using InferenceScaling.Tests.Runtime;

namespace InferenceScaling.Tests.Server;

/// <summary>
/// Both completions endpoints sample, where a request names no <c>top_p</c> or <c>top_k</c>, with the model folder's
/// (the service's default sampling, as <c>/v1/solve</c> does). Before they shared <see cref="SamplingReader"/>, chat
/// forced top_p 1 and completions forced top_p 1 and top_k 0. The optimum layout fixture's generation_config.json says
/// top_k 40, top_p 0.95 (on it top_k binds first, so the end-to-end check is the completions one, which names top_k).
/// And completions, like chat, cut a default <c>max_tokens</c> to fit the context instead of refusing a field the client
/// never sent.
/// </summary>
public sealed class SamplingDefaultsTests(LayoutModelsFixture fixture) : IClassFixture<LayoutModelsFixture>
{
    private static async Task<string[]> TextsAsync(LoopbackServer server, string path, string json)
    {
        var response = await server.PostJsonAsync(path, json);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await LoopbackServer.ReadJsonAsync(response);
        return [.. body.GetProperty("choices").EnumerateArray().Select(c => path.EndsWith("chat/completions", StringComparison.Ordinal)
            ? c.GetProperty("message").GetProperty("content").GetString()!
            : c.GetProperty("text").GetString()!)];
    }

    [Fact]
    public async Task Completions_WithoutTopPOrTopK_SampleWithTheFoldersTopPAndTopK()
    {
        await using var server = await LoopbackServer.StartAsync(fixture.Models["optimum"]);
        const string Common = """ "prompt":"Q: Tom has 12 apples.","n":4,"max_tokens":16,"temperature":1.5,"seed":7 """;

        var unnamed = await TextsAsync(server, "/v1/completions", $$"""{{{Common}}}""");
        var folders = await TextsAsync(server, "/v1/completions", $$"""{{{Common}},"top_p":0.95,"top_k":40}""");
        var off = await TextsAsync(server, "/v1/completions", $$"""{{{Common}},"top_p":1,"top_k":-1}""");

        Assert.Equal(folders, unnamed);
        Assert.NotEqual(off, folders); // the settings change what this seed draws, so the equality above can fail
    }

    [Fact]
    public async Task Completions_WithoutMaxTokens_CutTheDefaultToFitTheContext_AsChatDoes()
    {
        // Digits are one token each in the fixture's tokenizer: 90 of the context's 96 leave 6 for the answer.
        var model = fixture.Models["optimum"];
        var prompt = new string('7', 90);
        var room = model.Signature.ContextLength - model.Tokenizer.Encode(prompt).Length;
        Assert.InRange(room, 1, 15); // below the default of 16, so the default must be cut
        await using var server = await LoopbackServer.StartAsync(model);

        var unnamed = await server.PostJsonAsync("/v1/completions", $$"""{"prompt":"{{prompt}}","ignore_eos":true,"seed":1}""");
        var named = await server.PostJsonAsync("/v1/completions", $$"""{"prompt":"{{prompt}}","max_tokens":16}""");

        Assert.Equal(HttpStatusCode.OK, unnamed.StatusCode);
        Assert.Equal(room, (await LoopbackServer.ReadJsonAsync(unnamed)).GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal(HttpStatusCode.BadRequest, named.StatusCode);
        var error = (await LoopbackServer.ReadJsonAsync(named)).GetProperty("error");
        Assert.Equal(("max_tokens", "context_length_exceeded"), (error.GetProperty("param").GetString(), error.GetProperty("code").GetString()));
    }

    [Fact]
    public void ARequestNamingNoSampling_TakesTheServicesDefaults_AndNamedSettingsOverride()
    {
        // What both endpoints build their SamplingOptions with (chat names no top_k or min_p, so passes null).
        var defaults = new SamplingOptions { Temperature = 0.6f, TopP = 0.95f, TopK = 40, MinP = 0.05f, ConfidenceTopK = 7 };

        var unnamed = SamplingReader.Read(temperature: null, topP: null, seed: 3).Over(defaults, 16, ["\n"], 2, "max_tokens", "top_logprobs");
        var named = SamplingReader.Read(temperature: 1.2, topP: 0.5, seed: -1, topK: -1, minP: 0).Over(defaults, 8, [], 0, "max_tokens", "logprobs", ignoreEndOfSequence: true);

        Assert.Equal((0.6f, 0.95f, 40, 0.05f, 3UL, 16, 2, 7), (unnamed.Temperature, unnamed.TopP, unnamed.TopK, unnamed.MinP, unnamed.Seed, unnamed.MaxTokens, unnamed.TopLogProbs, unnamed.ConfidenceTopK));
        Assert.Equal(["\n"], unnamed.StopStrings);
        Assert.False(unnamed.IgnoreEndOfSequence);
        Assert.Equal((1.2f, 0.5f, 0, 0f, ulong.MaxValue, 8, 0), (named.Temperature, named.TopP, named.TopK, named.MinP, named.Seed, named.MaxTokens, named.TopLogProbs));
        Assert.Empty(named.StopStrings);
        Assert.True(named.IgnoreEndOfSequence);
    }

    [Theory]
    [InlineData(1e-50, null, "top_p")]
    [InlineData(null, 0.99999999999, "min_p")]
    public void AValueTheSamplersFloatCannotTake_IsA400NamingTheField(double? topP, double? minP, string param)
    {
        var requested = SamplingReader.Read(temperature: null, topP: topP, seed: 1, minP: minP);

        var error = Assert.Throws<ApiException>(() => requested.Over(new SamplingOptions(), 4, [], 0, "max_tokens", "logprobs"));

        Assert.Equal((400, param, "invalid_value"), (error.Status, error.Param, error.Code));
    }
}
