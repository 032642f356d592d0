using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using InferenceScaling.Server;
using InferenceScaling.Tests.Runtime;

namespace InferenceScaling.Tests.Server;

/// <summary>The inputs that once reached a 500 or named an internal parameter: each is now a 4xx naming the request field.</summary>
public sealed class HostileInputTests(TinyModelFixture fixture) : IClassFixture<TinyModelFixture>
{
    private const string Chat = "/v1/chat/completions";

    private static async Task<JsonElement> ErrorOf(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var error = (await LoopbackServer.ReadJsonAsync(response)).GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        return error;
    }

    [Theory]
    [InlineData("/v1/solve", """{"question":"\ud800"}""", "question", "invalid_encoding")]
    [InlineData("/v1/solve", """{"question":"2+2","budget":"\udfff"}""", "budget", "invalid_encoding")]
    [InlineData("/v1/solve", """{"\ud800":1}""", null, "invalid_encoding")]
    [InlineData(Chat, """{"messages":[{"role":"user","content":"\ud800"}]}""", "messages[0].content", "invalid_encoding")]
    [InlineData(Chat, """{"messages":[{"role":"user","content":[{"type":"text","text":"\ud800"}]}]}""", "messages[0].content[0].text", "invalid_encoding")]
    [InlineData("/v1/solve", """{"question":"2+2","budget":"deadline=1e300ms"}""", "budget", "invalid_budget")]
    [InlineData("/v1/solve", """{"question":"2+2","budget":"deadline=1200h"}""", "budget", "invalid_budget")]
    [InlineData("/v1/solve", """{"question":"2+2","budget":"samples=4,rounds=100000"}""", "budget", "invalid_budget")]
    [InlineData("/v1/solve", """{"question":"2+2","budget":"samples=4,verifications=100000"}""", "budget", "invalid_budget")]
    [InlineData("/v1/solve", """{"question":"2+2","budget":{"rounds":100000}}""", "budget.rounds", "invalid_value")]
    [InlineData("/v1/solve", """{"question":"2+2","budget":{"deadline_ms":1e300}}""", "budget.deadline_ms", "invalid_value")]
    [InlineData("/v1/solve", """{"question":"2+2","budget":{"samples":2,"samples":3}}""", "budget.samples", "duplicate_field")]
    [InlineData("/v1/solve", """{"question":"2+2","question":"3+3"}""", "question", "duplicate_field")]
    [InlineData("/v1/solve", """{"question":"2+2","budget":1e400}""", "budget", "invalid_budget")]
    [InlineData("/v1/solve", """{"question":"2+2","seed":1e30}""", "seed", "invalid_value")]
    [InlineData(Chat, """{"messages":[{"role":"user","content":"hi"}],"top_p":1e-50}""", "top_p", "invalid_value")]
    [InlineData(Chat, """{"messages":[{"role":"user","content":"hi"}],"top_p":1e-50,"stream":true}""", "top_p", "invalid_value")]
    [InlineData(Chat, """{"messages":[{"role":"user","content":"hi"}],"temperature":1e400}""", "temperature", "invalid_value")]
    [InlineData("/v1/completions", """{"prompt":"Q","top_p":1e-50}""", "top_p", "invalid_value")]
    [InlineData("/v1/completions", """{"prompt":"Q","top_p":1e-50,"stream":true}""", "top_p", "invalid_value")]
    [InlineData("/v1/completions", """{"prompt":"Q","min_p":0.99999999999}""", "min_p", "invalid_value")]
    [InlineData(Chat, """{"messages":[{"role":"user","content":"hi"}],"n":1e3}""", "n", "invalid_value")]
    [InlineData(Chat, """{"messages":[{"role":"user","content":"hi"}],"n":99999999999999999999999}""", "n", "invalid_value")]
    [InlineData(Chat, """{"messages":[1]}""", "messages[0]", "invalid_type")]
    [InlineData(Chat, """{"messages":[null]}""", "messages[0]", "invalid_type")]
    [InlineData(Chat, """{"messages":[{"role":"user","content":"hi","extra":1}]}""", "messages[0].extra", "unknown_field")]
    [InlineData(Chat, """{"messages":[{"role":"user","content":"hi"}],"metadata":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}""", null, "invalid_json")]
    public async Task HostileBody_IsA400NamingTheRequestField(string path, string json, string? param, string code)
    {
        await using var server = await LoopbackServer.StartAsync(fixture.Model);
        var error = await ErrorOf(await server.PostJsonAsync(path, json), HttpStatusCode.BadRequest);

        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.Equal(code, error.GetProperty("code").GetString());
        var message = error.GetProperty("message").GetString()!;
        foreach (var internalName in (string[])["dueTime", "TopP", "System.", "Exception", "InferenceScaling", "ChatCompletionRequest"])
            Assert.DoesNotContain(internalName, message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvalidUtf8InAString_IsA400NamingTheField()
    {
        await using var server = await LoopbackServer.StartAsync(fixture.Model);
        byte[] body = [.. """{"question":"2"""u8, 0xFF, 0xFE, .. "\"}"u8];
        var error = await ErrorOf(await server.PostBytesAsync("/v1/solve", body), HttpStatusCode.BadRequest);
        Assert.Equal("question", error.GetProperty("param").GetString());
        Assert.Equal("invalid_encoding", error.GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("application/json; charset=latin1")]
    public async Task ABodyThatIsNotDeclaredJson_Is415(string contentType)
    {
        await using var server = await LoopbackServer.StartAsync(fixture.Model);
        var error = await ErrorOf(await server.PostBytesAsync("/v1/solve", """{"question":"2+2"}"""u8.ToArray(), contentType), HttpStatusCode.UnsupportedMediaType);
        Assert.Equal("unsupported_media_type", error.GetProperty("code").GetString());
    }

    [Fact]
    public async Task AMalformedChunkedBody_IsA400()
    {
        await using var server = await LoopbackServer.StartAsync(fixture.Model);
        var status = await RawStatusAsync(server.Address,
            "POST /v1/solve HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{\"question\":\"2\"}\r\n0\r\n\r\n");
        Assert.Equal(400, status);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public async Task PromptPlusMaxTokensBeyondTheContext_IsContextLengthExceeded_UnlessTruncationIsAsked()
    {
        await using var server = await LoopbackServer.StartAsync(fixture.Model, new ServerOptions { MaxTokensPerTrace = 1000 });
        const string request = """{"messages":[{"role":"user","content":"2 + 2"}],"max_tokens":500""";
        var error = await ErrorOf(await server.PostJsonAsync(Chat, request + "}"), HttpStatusCode.BadRequest);
        Assert.Equal("context_length_exceeded", error.GetProperty("code").GetString());
        Assert.Equal("max_tokens", error.GetProperty("param").GetString());

        var streamed = await ErrorOf(await server.PostJsonAsync(Chat, request + ""","stream":true}"""), HttpStatusCode.BadRequest);
        Assert.Equal("context_length_exceeded", streamed.GetProperty("code").GetString());

        var truncated = await server.PostJsonAsync(Chat, request + ""","truncate":true,"temperature":0}""");
        Assert.Equal(HttpStatusCode.OK, truncated.StatusCode);
    }

    [Fact]
    public async Task WithoutASeed_EachRequestDrawsAFreshOne_AndTheReturnedSeedReplaysIt()
    {
        await using var server = await LoopbackServer.StartAsync(fixture.Model);
        const string request = """{"messages":[{"role":"user","content":"7 + 5"}],"temperature":1,"max_tokens":12""";
        var first = await LoopbackServer.ReadJsonAsync(await server.PostJsonAsync(Chat, request + "}"));
        var second = await LoopbackServer.ReadJsonAsync(await server.PostJsonAsync(Chat, request + "}"));
        var seed = first.GetProperty("seed").GetInt64();
        Assert.NotEqual(seed, second.GetProperty("seed").GetInt64());

        var replay = await LoopbackServer.ReadJsonAsync(await server.PostJsonAsync(Chat, request + $",\"seed\":{seed}}}"));
        Assert.Equal(seed, replay.GetProperty("seed").GetInt64());
        Assert.Equal(Text(first), Text(replay));

        var solve = await LoopbackServer.ReadJsonAsync(await server.PostJsonAsync("/v1/solve", """{"question":"2+3","budget":{"samples":2,"confidence":null}}"""));
        Assert.Equal(JsonValueKind.Number, solve.GetProperty("seed").ValueKind);

        static string? Text(JsonElement body) => body.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString();
    }

    [Fact]
    public async Task AHostNameThatIsNotLoopback_IsRefusedOnALoopbackBind()
    {
        await using var server = await LoopbackServer.StartAsync(fixture.Model);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/models");
        request.Headers.Host = "rebind.example";
        var error = (await LoopbackServer.ReadJsonAsync(await server.Client.SendAsync(request))).GetProperty("error");
        Assert.Equal("invalid_host", error.GetProperty("code").GetString());

        using var localhost = new HttpRequestMessage(HttpMethod.Get, "/v1/models");
        localhost.Headers.Host = "localhost:1234";
        Assert.Equal(HttpStatusCode.OK, (await server.Client.SendAsync(localhost)).StatusCode);
    }

    [Theory]
    [InlineData("http://127.0.0.1:5080", true)]
    [InlineData("http://localhost:5080;http://[::1]:5081", true)]
    [InlineData("http://0.0.0.0:5080", false)]
    [InlineData("http://*:5080", false)]
    [InlineData("http://127.0.0.1:5080;http://10.0.0.2:5080", false)]
    public void AllowedHosts_DefaultToLoopbackNamesOnlyOnLoopbackBinds(string urls, bool restricted)
    {
        var hosts = SolveServer.AllowedHosts(new ServerOptions(), urls);
        Assert.Equal(restricted, hosts is not null);
        if (restricted) Assert.Contains("localhost", hosts!);
        Assert.Null(SolveServer.AllowedHosts(new ServerOptions { AllowedHosts = ["*"] }, "http://127.0.0.1:1"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void AnEmptyApiKey_IsRefusedAtStart(string key) =>
        Assert.Throws<ArgumentException>(() => new ServerOptions { ApiKey = key });

    [Fact]
    public async Task Metrics_CanBeBehindTheKey()
    {
        await using var server = await LoopbackServer.StartAsync(fixture.Model, new ServerOptions { ApiKey = "sesame", MetricsRequireKey = true });
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.Client.GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/healthz")).StatusCode);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Authorization = new("Bearer", "sesame");
        Assert.Equal(HttpStatusCode.OK, (await server.Client.SendAsync(request)).StatusCode);
    }

    [Fact]
    public async Task ATricklingUpload_HoldsNoSlot_AndTimesOutWith408()
    {
        await using var server = await LoopbackServer.StartAsync(fixture.Model, new ServerOptions { MaxConcurrentRequests = 1, BodyReadTimeout = TimeSpan.FromMilliseconds(500) });
        using var slow = new TcpClient();
        await slow.ConnectAsync(server.Address.Host, server.Address.Port);
        var stream = slow.GetStream();
        await stream.WriteAsync("POST /v1/solve HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"quest"u8.ToArray());

        // The upload is not admitted yet, so the one slot is free for a request whose body is in.
        var other = await server.PostJsonAsync(Chat, """{"messages":[{"role":"user","content":"2 + 2"}],"max_tokens":3}""");
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);

        Assert.Equal(408, await ReadStatusAsync(stream));
    }

    /// <summary>Sends raw bytes on a fresh connection and reads the response's status code.</summary>
    private static async Task<int> RawStatusAsync(Uri address, string request)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(address.Host, address.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        return await ReadStatusAsync(stream);
    }

    private static async Task<int> ReadStatusAsync(NetworkStream stream)
    {
        var buffer = new byte[64];
        var read = 0;
        while (read < 12)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(read)).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            if (n == 0) break;
            read += n;
        }

        var line = Encoding.ASCII.GetString(buffer, 0, read);
        Assert.StartsWith("HTTP/1.1 ", line);
        return int.Parse(line.AsSpan(9, 3), System.Globalization.CultureInfo.InvariantCulture);
    }
}
