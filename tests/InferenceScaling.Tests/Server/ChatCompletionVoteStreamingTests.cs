using System.Globalization;
using System.Text.Json;
using InferenceScaling.Tests.Models;
using static InferenceScaling.Tests.Server.ChatCompletionStreamingTests;

namespace InferenceScaling.Tests.Server;

/// <summary>Streamed self-consistency (<c>budget</c>) on the shipped model, whose votes have winning traces.</summary>
public sealed class ChatCompletionVoteStreamingTests(ShippedModelFixture fixture) : IClassFixture<ShippedModelFixture>
{
    private const string Path = "/v1/chat/completions";

    private const string Question = "Tom has 12 apples. He buys 7 more, then triples them. How many apples does he have?";

    [Theory]
    [InlineData("""{"samples":4,"confidence":null}""")]
    [InlineData("""{"samples":6,"confidence":null,"checks":3,"rounds":1}""")]
    public async Task StreamWithBudget_SendsProgressWhileVoting_ThenTheNonStreamedAnswerSelfConsistencyAndUsage(string budget)
    {
        await using var server = await LoopbackServer.StartAsync(fixture.Model);
        var request = $$$"""{"budget":{{{budget}}},"messages":[{"role":"user","content":"{{{Question}}}"}],"temperature":0.8,"seed":5,"logprobs":true,"top_logprobs":2""";
        var expected = await LoopbackServer.ReadJsonAsync(await server.PostJsonAsync(Path, request + "}"));
        var events = await EventsOf(await server.PostJsonAsync(Path, request + ""","stream":true,"stream_options":{"include_usage":true}}"""));

        // Events: the role chunk (sent before the vote starts), the progress comments, then content, finish, usage, [DONE].
        Assert.Equal(Done, events[^1]);
        var chunks = ChunksOf(events);
        Assert.Equal(4, chunks.Count);
        Assert.Equal("assistant", chunks[0].GetProperty("choices")[0].GetProperty("delta").GetProperty("role").GetString());
        var progress = events.Select((e, i) => (e, i)).Where(x => x.e.StartsWith(": progress traces=", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(progress);
        Assert.Equal(Enumerable.Range(1, events.Count - 5), progress.Select(x => x.i));

        var choice = expected.GetProperty("choices")[0];
        var (content, finish, logprobs) = Assert.Single(Assemble(chunks)).Value;
        Assert.Equal(choice.GetProperty("message").GetProperty("content").GetString(), content);
        Assert.Equal(choice.GetProperty("finish_reason").GetString(), finish);
        Assert.NotEmpty(logprobs);
        Assert.Equal(choice.GetProperty("logprobs").GetProperty("content").EnumerateArray().Select(e => e.GetRawText()), logprobs);
        // The vote rides on the finish chunk as the non-streamed response's extra field; usage counts every stage.
        // (It is the solution's one JSON form, so it carries wall times: those are the only fields that may differ.)
        Assert.Equal(WithoutTimes(expected.GetProperty("self_consistency")), WithoutTimes(chunks[2].GetProperty("self_consistency")));
        var usage = expected.GetProperty("usage");
        Assert.Equal(usage.GetRawText(), chunks[3].GetProperty("usage").GetRawText());

        // The last comment counts every trace of the vote (and of the revisions); with checks or rounds the usage also
        // holds tokens the comments do not count.
        var samples = expected.GetProperty("self_consistency").GetProperty("traces_drawn").GetInt32();
        var last = progress[^1].e.Split(' ', '=');
        Assert.Equal([":", "progress", "traces", "generated_tokens"], new[] { last[0], last[1], last[2], last[4] });
        if (budget.Contains("checks", StringComparison.Ordinal)) Assert.InRange(int.Parse(last[3], CultureInfo.InvariantCulture), samples, int.MaxValue);
        else Assert.Equal($": progress traces={samples} generated_tokens={usage.GetProperty("completion_tokens").GetInt64()}", progress[^1].e);
    }

    /// <summary>The JSON with every <c>ms</c> (wall time) field removed.</summary>
    private static string WithoutTimes(JsonElement element)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(element.GetRawText())!;
        Strip(node);
        return node.ToJsonString();

        static void Strip(System.Text.Json.Nodes.JsonNode? n)
        {
            if (n is System.Text.Json.Nodes.JsonObject o)
            {
                o.Remove("ms");
                foreach (var (_, child) in o) Strip(child);
            }
            else if (n is System.Text.Json.Nodes.JsonArray a)
            {
                foreach (var child in a) Strip(child);
            }
        }
    }
}
