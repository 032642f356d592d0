using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;

// Loopback load check for `infscale serve`: C concurrent clients × M requests each, mixed budgets and endpoints, a
// share of malformed requests. Reports throughput, latency percentiles and status counts. Not a unit test.
// Usage: dotnet run --project bench/InferenceScaling.LoadCheck -- [--url http://127.0.0.1:5080] [--clients 8] [--requests 10] [--malformed 0.1] [--api-key K]
var url = Arg("--url", "http://127.0.0.1:5080");
var clients = int.Parse(Arg("--clients", "8"), CultureInfo.InvariantCulture);
var perClient = int.Parse(Arg("--requests", "10"), CultureInfo.InvariantCulture);
var malformedShare = double.Parse(Arg("--malformed", "0.1"), CultureInfo.InvariantCulture);
var apiKey = Environment.GetEnvironmentVariable("INFSCALE_API_KEY") ?? ArgOrNull("--api-key");

// Well-formed requests, rotated: solve with several budget forms, plain and voting chat completions.
(string Path, string Body)[] good =
[
    ("/v1/solve", """{"question":"What is 17 + 25?","budget":"fast"}"""),
    ("/v1/solve", """{"question":"What is 6 * 7?","budget":{"samples":4,"confidence":null}}"""),
    ("/v1/solve", """{"question":"What is 90 - 48?","budget":"balanced"}"""),
    ("/v1/solve", """{"question":"What is 3 + 4 * 2?","budget":0.4}"""),
    ("/v1/chat/completions", """{"model":"m","messages":[{"role":"user","content":"What is 12 + 30?"}],"n":2,"temperature":0.8,"max_tokens":64}"""),
    ("/v1/chat/completions", """{"model":"m","messages":[{"role":"user","content":"What is 8 * 9?"}],"max_tokens":64,"budget":"samples=4,confidence=none"}"""),
];
(string Path, string Body)[] bad =
[
    ("/v1/solve", """{"question": """),
    ("/v1/solve", """{"question": 42}"""),
    ("/v1/solve", """{"question": "", "budget": "fast"}"""),
    ("/v1/solve", """{"question": "2+2", "budget": {"samples": -1}}"""),
    ("/v1/solve", """{"question": "2+2", "extra": true}"""),
    ("/v1/chat/completions", """{"messages": []}"""),
];

using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromMinutes(5) };
if (apiKey is not null) http.DefaultRequestHeaders.Authorization = new("Bearer", apiKey);
var latencies = new ConcurrentBag<double>();
var statuses = new ConcurrentDictionary<string, int>();
var clock = Stopwatch.StartNew();
var workers = Enumerable.Range(0, clients).Select(async c =>
{
    var random = new Random(c);
    for (var i = 0; i < perClient; i++)
    {
        var malformed = random.NextDouble() < malformedShare;
        var (path, body) = malformed ? bad[random.Next(bad.Length)] : good[(c + i) % good.Length];
        var start = Stopwatch.GetTimestamp();
        string key;
        try
        {
            using var response = await http.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json")).ConfigureAwait(false);
            await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
            key = ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture) + (malformed ? " (malformed)" : "");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            key = "transport error: " + ex.GetType().Name;
        }

        if (!malformed) latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        statuses.AddOrUpdate(key, 1, (_, n) => n + 1);
    }
}).ToArray();
await Task.WhenAll(workers).ConfigureAwait(false);
var wall = clock.Elapsed.TotalSeconds;

var sorted = latencies.OrderBy(x => x).ToArray();
double Percentile(double p) => sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
var total = clients * perClient;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"C={clients} M={perClient} requests={total} wall={wall:F1}s throughput={total / wall:F2} req/s well-formed={sorted.Length} ({sorted.Length / wall:F2} req/s) p50={Percentile(0.50):F0}ms p99={Percentile(0.99):F0}ms"));
foreach (var (status, count) in statuses.OrderBy(kv => kv.Key)) Console.WriteLine($"  {status}: {count}");
return statuses.Keys.Any(k => k.StartsWith("5", StringComparison.Ordinal) || k.StartsWith("transport", StringComparison.Ordinal)) ? 1 : 0;

string Arg(string name, string fallback) => ArgOrNull(name) ?? fallback;

string? ArgOrNull(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}
