using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

// Loopback load check for `infscale serve`: for each client count C, C concurrent clients × M requests each, a mix of
// endpoints and budgets, a share of hostile bodies (malformed JSON, lone surrogates, invalid UTF-8, huge numbers, deep
// nesting, duplicate keys, wrong types, wrong media types, trickled and cut-off uploads). Prints one markdown row per C:
// well-formed throughput, its ratio to the first C, p50/p99 latency of well-formed requests, and the failures that
// must be zero (5xx and connection failures). Exit code 1 if any. Not a unit test.
// Usage: dotnet run -c Release --project bench/InferenceScaling.LoadCheck -- [--url http://127.0.0.1:5080] [--clients 1,8,32] [--requests 24,12,6] [--hostile 0.2] [--seed 1]
// The API key, if the server has one, comes from INFSCALE_API_KEY (or --api-key).
var url = new Uri(Arg("--url", "http://127.0.0.1:5080"));
var clientCounts = Arg("--clients", "1,8,32").Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray();
// One count for every C, or one per C, repeated in turn (a single client needs more requests for a steady baseline).
var perClientCounts = Arg("--requests", "12").Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray();
var hostileShare = double.Parse(Arg("--hostile", "0.2"), CultureInfo.InvariantCulture);
var seed = int.Parse(Arg("--seed", "1"), CultureInfo.InvariantCulture);
var apiKey = Environment.GetEnvironmentVariable("INFSCALE_API_KEY") ?? ArgOrNull("--api-key");

// Well-formed requests, rotated: solve with several budget forms, plain and voting chat completions.
(string Path, string Body)[] good =
[
    ("/v1/solve", """{"question":"What is 17 + 25?","budget":"fast"}"""),
    ("/v1/chat/completions", """{"model":"m","messages":[{"role":"user","content":"What is 12 + 30?"}],"temperature":0.8,"max_tokens":64}"""),
    ("/v1/solve", """{"question":"What is 6 * 7?","budget":{"samples":4,"confidence":null}}"""),
    ("/v1/chat/completions", """{"model":"m","messages":[{"role":"user","content":"What is 8 * 9?"}],"max_tokens":64,"budget":"samples=4,confidence=none"}"""),
    ("/v1/solve", """{"question":"What is 90 - 48?","budget":"balanced"}"""),
    ("/v1/chat/completions", """{"model":"m","messages":[{"role":"user","content":"What is 5 + 9?"}],"n":2,"temperature":0.8,"max_tokens":64,"stream":true}"""),
];

// Hostile requests: each must be answered with a 4xx, never a 5xx or a dropped connection.
Hostile[] hostile =
[
    new("/v1/solve", Utf8("""{"question": """)),
    new("/v1/solve", Utf8("""{"question": 42}""")),
    new("/v1/solve", Utf8("""{"question": "\ud800"}""")),
    new("/v1/solve", [.. Utf8("""{"question":"2"""), 0xFF, 0xFE, .. Utf8("\"}")]),
    new("/v1/solve", Utf8("""{"question":"2+2","budget":"deadline=1e300ms"}""")),
    new("/v1/solve", Utf8("""{"question":"2+2","budget":"samples=4,rounds=100000"}""")),
    new("/v1/solve", Utf8("""{"question":"2+2","budget":{"samples":-1}}""")),
    new("/v1/solve", Utf8("""{"question":"2+2","question":"3+3"}""")),
    new("/v1/solve", Utf8("""{"question":"2+2","extra":true}""")),
    new("/v1/solve", Utf8("""{"question":"2+2"}"""), "text/plain"),
    new("/v1/chat/completions", Utf8("""{"messages": []}""")),
    new("/v1/chat/completions", Utf8("""{"messages":[{"role":"user","content":"hi"}],"top_p":1e-50,"stream":true}""")),
    new("/v1/chat/completions", Utf8("""{"messages":[{"role":"user","content":"hi"}],"temperature":1e400}""")),
    new("/v1/chat/completions", Utf8("""{"messages":[{"role":"user","content":"hi"}],"metadata":""" + new string('[', 40) + new string(']', 40) + "}")),
    new("/v1/chat/completions", Utf8("""{"messages":[{"role":"user","content":"hi"}],"max_tokens":100000}""")),
    new("/v1/solve", Utf8("""{"question":"2+2"}"""), Raw: RawKind.Trickle),
    new("/v1/solve", Utf8("""{"question":"2+2"}"""), Raw: RawKind.BadChunk),
];

using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { BaseAddress = url, Timeout = TimeSpan.FromMinutes(5) };
if (apiKey is not null) http.DefaultRequestHeaders.Authorization = new("Bearer", apiKey);
Console.WriteLine($"url={url} requests per client={string.Join(',', perClientCounts)} hostile share={hostileShare} seed={seed} cores={Environment.ProcessorCount} load average={LoadAverage()}");
Console.WriteLine("| clients | requests | wall s | well-formed req/s | vs. first | p50 ms | p99 ms | p99/p50 | hostile 4xx | 5xx | connection failures |");
Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
double? baseline = null;
var failed = false;
for (var k = 0; k < clientCounts.Length; k++)
{
    var clients = clientCounts[k];
    var row = await RunAsync(clients, perClientCounts[k % perClientCounts.Length]);
    baseline ??= row.Throughput;
    failed |= row.ServerErrors > 0 || row.ConnectionFailures > 0 || row.HostileNot4xx > 0;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {clients} | {row.Requests} | {row.Wall:F1} | {row.Throughput:F2} | {row.Throughput / baseline.Value:F2}× | {row.P50:F0} | {row.P99:F0} | {row.P99 / row.P50:F2} | {row.Hostile4xx}/{row.Hostile} | {row.ServerErrors} | {row.ConnectionFailures} |"));
    foreach (var (status, count) in row.Statuses.OrderBy(kv => kv.Key)) Console.Error.WriteLine($"    C={clients} {status}: {count}");
    foreach (var (kind, times) in row.ByKind.OrderBy(kv => kv.Key))
    {
        var t = times.Order().ToArray();
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    C={clients} {kind}: n={t.Length} p50={t[t.Length / 2]:F0}ms max={t[^1]:F0}ms"));
    }
}

Console.WriteLine($"load average after: {LoadAverage()}");
return failed ? 1 : 0;

async Task<Row> RunAsync(int clients, int perClient)
{
    var latencies = new ConcurrentBag<double>();
    var byKind = new ConcurrentDictionary<string, ConcurrentBag<double>>();
    var statuses = new ConcurrentDictionary<string, int>();
    int serverErrors = 0, connectionFailures = 0, hostileCount = 0, hostile4xx = 0, hostileNot4xx = 0;
    var clock = Stopwatch.StartNew();
    var workers = Enumerable.Range(0, clients).Select(async c =>
    {
        var random = new Random(seed * 1000 + c);
        for (var i = 0; i < perClient; i++)
        {
            var isHostile = random.NextDouble() < hostileShare;
            var start = Stopwatch.GetTimestamp();
            int status;
            var kind = "";
            try
            {
                if (isHostile)
                {
                    var which = random.Next(hostile.Length);
                    var h = hostile[which];
                    kind = $"hostile #{which}";
                    status = h.Raw == RawKind.None ? await PostAsync(h.Path, h.Body, h.ContentType) : await RawAsync(h);
                }
                else
                {
                    var which = (c + i) % good.Length;
                    var (path, body) = good[which];
                    kind = $"good #{which}";
                    status = await PostAsync(path, Utf8(body), "application/json");
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or SocketException or TaskCanceledException)
            {
                Interlocked.Increment(ref connectionFailures);
                statuses.AddOrUpdate($"connection failure ({kind}): {ex.GetType().Name}: {ex.Message}", 1, (_, n) => n + 1);
                continue;
            }

            if (status >= 500) Interlocked.Increment(ref serverErrors);
            if (isHostile)
            {
                Interlocked.Increment(ref hostileCount);
                if (status is >= 400 and < 500) Interlocked.Increment(ref hostile4xx);
                else Interlocked.Increment(ref hostileNot4xx);
            }
            else if (status == 200)
            {
                var ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                latencies.Add(ms);
                byKind.GetOrAdd(kind, _ => []).Add(ms);
            }

            statuses.AddOrUpdate(status.ToString(CultureInfo.InvariantCulture) + (isHostile ? " (hostile)" : ""), 1, (_, n) => n + 1);
        }
    }).ToArray();
    await Task.WhenAll(workers);
    var wall = clock.Elapsed.TotalSeconds;
    var sorted = latencies.Order().ToArray();
    double Percentile(double p) => sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
    return new Row(clients * perClient, wall, sorted.Length / wall, Percentile(0.5), Percentile(0.99), hostileCount, hostile4xx, hostileNot4xx, serverErrors, connectionFailures, statuses, byKind);
}

async Task<int> PostAsync(string path, byte[] body, string contentType)
{
    var content = new ByteArrayContent(body);
    content.Headers.TryAddWithoutValidation("Content-Type", contentType);
    using var response = await http.PostAsync(path, content);
    // Streams are read to the end: a stream that fails after its headers ends with an error event, counted as a 5xx.
    var text = await response.Content.ReadAsStringAsync();
    return response.StatusCode == System.Net.HttpStatusCode.OK && text.Contains("\"server_error\"", StringComparison.Ordinal) ? 500 : (int)response.StatusCode;
}

// Requests HttpClient will not send: a body that stops short of its Content-Length and never ends (the server's body-read
// timeout answers 408; run the server with a short --body-read-timeout), bad chunked framing.
async Task<int> RawAsync(Hostile h)
{
    using var client = new TcpClient();
    await client.ConnectAsync(url.Host, url.Port);
    var stream = client.GetStream();
    var auth = apiKey is null ? "" : $"Authorization: Bearer {apiKey}\r\n";
    var head = $"POST {h.Path} HTTP/1.1\r\nHost: {url.Host}\r\nContent-Type: application/json\r\n{auth}";
    // One write: an early answer (and close) from the server must not race the rest of the upload into a reset.
    byte[] request = h.Raw == RawKind.Trickle
        ? [.. Utf8(head + $"Content-Length: {h.Body.Length + 50}\r\n\r\n"), .. h.Body]
        : [.. Utf8(head + "Transfer-Encoding: chunked\r\n\r\nzz\r\n"), .. h.Body, .. Utf8("\r\n0\r\n\r\n")];
    await stream.WriteAsync(request);

    var buffer = new byte[64];
    var read = 0;
    while (read < 12 && await stream.ReadAsync(buffer.AsMemory(read)) is var n and > 0) read += n;
    if (read < 12) throw new IOException("No response to a raw request.");
    return int.Parse(Encoding.ASCII.GetString(buffer, 9, 3), CultureInfo.InvariantCulture);
}

static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

string Arg(string name, string fallback) => ArgOrNull(name) ?? fallback;

string? ArgOrNull(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

/// <summary>A hostile request: its body, its media type, and whether it must be sent by hand.</summary>
internal sealed record Hostile(string Path, byte[] Body, string ContentType = "application/json", RawKind Raw = RawKind.None);

/// <summary>How a hostile request is sent: by HttpClient, or by hand on a socket.</summary>
internal enum RawKind
{
    None,
    Trickle,
    BadChunk,
}

/// <summary>One client count's results.</summary>
internal sealed record Row(int Requests, double Wall, double Throughput, double P50, double P99, int Hostile, int Hostile4xx, int HostileNot4xx, int ServerErrors, int ConnectionFailures, ConcurrentDictionary<string, int> Statuses, ConcurrentDictionary<string, ConcurrentBag<double>> ByKind);
