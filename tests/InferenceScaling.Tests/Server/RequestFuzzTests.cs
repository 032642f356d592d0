using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using InferenceScaling.Server;
using InferenceScaling.Tests.Runtime;

namespace InferenceScaling.Tests.Server;

/// <summary>
/// Property: whatever body reaches an endpoint — random JSON mutations of a good request, invalid UTF-8, lone
/// surrogates, huge and non-finite numbers, deep nesting, wrong types, duplicate and unknown keys, cut-off bodies —
/// the answer is never a 5xx, and a good request is served right after. Seeded: a failure replays.
/// </summary>
public sealed class RequestFuzzTests(TinyModelFixture fixture) : IClassFixture<TinyModelFixture>
{
    /// <summary>A good request per endpoint and form; mutations start from these. Endpoints added later add rows here.</summary>
    internal static readonly (string Path, string Body)[] GoodRequests =
    [
        ("/v1/solve", """{"question":"2 + 3","budget":{"samples":2,"confidence":null,"checks":1,"rounds":1},"return_traces":true,"seed":1}"""),
        ("/v1/solve", """{"question":"2 + 3","budget":"samples=2,confidence=none"}"""),
        ("/v1/chat/completions", """{"model":"m","messages":[{"role":"system","content":"be brief"},{"role":"user","content":[{"type":"text","text":"2 + 2"}]}],"max_tokens":4,"temperature":0.5,"top_p":0.9,"n":2,"seed":3,"logprobs":true,"top_logprobs":2,"stop":["\n\n"],"user":"u","metadata":{"k":"v"}}"""),
        ("/v1/chat/completions", """{"messages":[{"role":"user","content":"2 + 2"}],"max_tokens":4,"seed":2,"stream":true,"stream_options":{"include_usage":true},"budget":{"samples":2,"confidence":null}}"""),
        ("/v1/completions", """{"prompt":"Q: 2 + 2\nA:","max_tokens":4,"temperature":0.5,"n":2,"seed":1,"logprobs":1,"stop":["\n"]}"""),
        ("/v1/completions", """{"prompt":"Calc: 4-3=1.","max_tokens":0,"echo":true,"logprobs":1}"""),
    ];

    /// <summary>Values put in place of a field (raw JSON text, some of it deliberately not JSON).</summary>
    private static readonly string[] Hostile =
    [
        "1e400", "-1e400", "1e-400", "1e-50", "99999999999999999999999", "-99999999999999999999999", "-0", "0", "-1", "1.5", "2147483648",
        "\"\\ud800\"", "\"\\udfff\\ud800x\"", "\"\"", "\" \"", "\"none\"", "\"thorough\"", "\"deadline=1e300ms\"", "\"samples=100000,rounds=100000\"",
        "\"1200h\"", "[]", "{}", "null", "true", "false", "[1,\"a\",null]", "{\"a\":1}", "{\"\\ud800\":1}",
        new string('[', 40) + new string(']', 40), Nest(40), "\"" + new string('x', 5000) + "\"",
    ];

    private static readonly string[] Keys = ["question", "budget", "messages", "role", "content", "samples", "n", "seed", "stream", "x", "\\ud800", "max_tokens"];

    [Fact]
    public async Task RandomHostileBodies_NeverGetA5xx_AndAGoodRequestIsServedRightAfter()
    {
        await using var server = await LoopbackServer.StartAsync(fixture.Model, new ServerOptions
        {
            MaxSamplesPerRequest = 4, MaxTokensPerTrace = 8, DefaultMaxTokens = 4, MaxBodyBytes = 16 * 1024,
        });
        var random = new Random(20261201);
        var failures = new List<string>();
        const int perRequest = 40;
        foreach (var (path, good) in GoodRequests)
        {
            for (var i = 0; i < perRequest; i++)
            {
                var body = Mutate(good, random);
                using var response = await server.PostBytesAsync(path, body);
                var text = await response.Content.ReadAsStringAsync();
                if ((int)response.StatusCode >= 500 || text.Contains("internal_error", StringComparison.Ordinal))
                    failures.Add($"{path} {(int)response.StatusCode} <- {Encoding.UTF8.GetString(body)} -> {text[..Math.Min(text.Length, 300)]}");
            }

            using var after = await server.PostJsonAsync(path, good);
            Assert.Equal(HttpStatusCode.OK, after.StatusCode);
            await after.Content.ReadAsStringAsync();
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>One random mutation of a good body: a value, a key, the structure, or the bytes.</summary>
    internal static byte[] Mutate(string good, Random random)
    {
        var node = JsonNode.Parse(good)!;
        const string Marker = "\"__hostile__\"";
        switch (random.Next(7))
        {
            case 0:
            case 1:
            {
                // A random value anywhere becomes a hostile one (or the body itself does).
                var (parent, key, index) = Pick(node, random);
                if (parent is null) return Encoding.UTF8.GetBytes(Hostile[random.Next(Hostile.Length)]);
                Set(parent, key, index, JsonValue.Create("__hostile__"));
                return Encoding.UTF8.GetBytes(node.ToJsonString().Replace(Marker, Hostile[random.Next(Hostile.Length)], StringComparison.Ordinal));
            }
            case 2:
            {
                // A key is duplicated, or an unknown (or badly encoded) one is added, at the top or inside.
                var json = node.ToJsonString();
                var at = random.Next(json.Length);
                var brace = json.IndexOf('{', at) is var b and >= 0 ? b : 0;
                var key = Keys[random.Next(Keys.Length)];
                return Encoding.UTF8.GetBytes(json.Insert(brace + 1, $"\"{key}\":{Hostile[random.Next(Hostile.Length)]},"));
            }
            case 3:
            {
                // A field is removed.
                var (parent, key, index) = Pick(node, random);
                if (parent is JsonObject o && key is not null) o.Remove(key);
                else if (parent is JsonArray a && index is { } i) a.RemoveAt(i);
                return Encoding.UTF8.GetBytes(node.ToJsonString());
            }
            case 4:
            {
                // The body is cut off.
                var bytes = Encoding.UTF8.GetBytes(node.ToJsonString());
                return bytes[..random.Next(bytes.Length)];
            }
            case 5:
            {
                // Bytes that are not UTF-8 land somewhere (often inside a string).
                var bytes = Encoding.UTF8.GetBytes(node.ToJsonString()).ToList();
                byte[][] bad = [[0xFF], [0xC3], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0x80, 0x80]];
                bytes.InsertRange(random.Next(bytes.Count), bad[random.Next(bad.Length)]);
                return [.. bytes];
            }
            default:
            {
                // A random byte changes.
                var bytes = Encoding.UTF8.GetBytes(node.ToJsonString());
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                return bytes;
            }
        }
    }

    /// <summary>A random node's place: its parent and key or index (null parent: the root).</summary>
    private static (JsonNode? Parent, string? Key, int? Index) Pick(JsonNode root, Random random)
    {
        var places = new List<(JsonNode? Parent, string? Key, int? Index)> { (null, null, null) };
        Walk(root);
        return places[random.Next(places.Count)];

        void Walk(JsonNode? n)
        {
            if (n is JsonObject o)
            {
                foreach (var (key, child) in o)
                {
                    places.Add((o, key, null));
                    Walk(child);
                }
            }
            else if (n is JsonArray a)
            {
                for (var i = 0; i < a.Count; i++)
                {
                    places.Add((a, null, i));
                    Walk(a[i]);
                }
            }
        }
    }

    private static void Set(JsonNode parent, string? key, int? index, JsonNode value)
    {
        if (parent is JsonObject o) o[key!] = value;
        else if (parent is JsonArray a) a[index!.Value] = value;
    }

    private static string Nest(int depth) => string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth);
}
