// The engine's batched decode against ONNX Runtime GenAI on the same model folder: N copies of one prompt, exactly
// --tokens new tokens per row on both sides, reps interleaved in one process (the order alternates each rep), medians
// with min and max, and the median and quartiles of each rep's own ratio (its two runs are adjacent in time). Tokens/s =
// N × tokens / wall time of the whole generation (prefill included).
//
//   dotnet run -c Release --project bench/InferenceScaling.PeerBench -- [--model models/arith-mini] [--n 1,4,16,32]
//       [--tokens 128] [--reps 21] [--threads 2] [--genai-threads N|default] [--genai-search same|default]
//       [--steps on]
//
// Both sides run the same configuration unless told otherwise: --threads intra-op threads each (GenAI's own default
// is half the hardware threads, one on a 2-core machine, so it is set through a config overlay), and sampling at
// T = 0.8 over the whole vocabulary (the engine's top-k 0 and top-p 1; GenAI is given top_k 0 and top_p 1, since a
// folder's genai_config.json search section applies otherwise: the shipped one says top_k 1, which GenAI runs as
// greedy search, the genai-gqa export top_k 40 and top_p 0.95). "default" leaves GenAI's setting as the folder and
// GenAI have it.
using System.Diagnostics;
using System.Globalization;
using InferenceScaling.Runtime;
using InferenceScaling.Sampling;
using Genai = Microsoft.ML.OnnxRuntimeGenAI;

var options = Args(args);
var folder = options.GetValueOrDefault("model", FindShipped());
var sizes = options.GetValueOrDefault("n", "1,4,16,32").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
var tokens = int.Parse(options.GetValueOrDefault("tokens", "128"), CultureInfo.InvariantCulture);
var reps = int.Parse(options.GetValueOrDefault("reps", "21"), CultureInfo.InvariantCulture);
var threads = int.Parse(options.GetValueOrDefault("threads", "2"), CultureInfo.InvariantCulture);
var genaiThreads = options.GetValueOrDefault("genai-threads", threads.ToString(CultureInfo.InvariantCulture));
var genaiSearch = options.GetValueOrDefault("genai-search", "same");
if (genaiSearch is not ("same" or "default")) throw new ArgumentException($"--genai-search must be same or default (was {genaiSearch}).");
const string Prompt = "Q: Tom has 12 apples. He buys 7 more. Then he triples them. How many apples does he have now?\nA:";

using var engineModel = DecoderModel.Load(folder, new DecoderModelOptions { IntraOpThreads = threads });
using var engine = new OnnxTraceGenerator(engineModel);
using var genaiConfig = new Genai.Config(folder);
genaiConfig.ClearProviders();
if (genaiThreads != "default")
    genaiConfig.Overlay(string.Create(CultureInfo.InvariantCulture, $"{{\"model\":{{\"decoder\":{{\"session_options\":{{\"intra_op_num_threads\":{int.Parse(genaiThreads, CultureInfo.InvariantCulture)}}}}}}}}}"));
using var genaiModel = new Genai.Model(genaiConfig);
using var genaiTokenizer = new Genai.Tokenizer(genaiModel);
var promptTokens = engineModel.Tokenizer.Encode(Prompt).Length;
Console.WriteLine($"model {folder} ({engineModel.GraphFile}, {engineModel.LayoutDescription}), prompt {promptTokens} tokens, {tokens} new tokens, {reps} reps, {threads} threads (GenAI: {genaiThreads}, search {genaiSearch}), {Environment.ProcessorCount} cores, load {Load()}");
Console.WriteLine("| N | engine tokens/s median [min, max] | GenAI tokens/s median [min, max] | engine / GenAI | per rep: median [quartiles] |");
Console.WriteLine("|---:|---:|---:|---:|---:|");

foreach (var n in sizes)
{
    var mine = new List<double>();
    var theirs = new List<double>();
    // One warm-up of each, unmeasured.
    RunEngine(n, 0);
    RunGenai(n, 0);
    for (var rep = 1; rep <= reps; rep++)
    {
        if (rep % 2 == 0) { theirs.Add(RunGenai(n, rep)); mine.Add(RunEngine(n, rep)); }
        else { mine.Add(RunEngine(n, rep)); theirs.Add(RunGenai(n, rep)); }
    }

    // Each rep's two runs are adjacent in time, so their ratio cancels the machine's drift between reps.
    var paired = mine.Zip(theirs, (a, b) => a / b).ToList();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {n} | {Median(mine):F0} [{mine.Min():F0}, {mine.Max():F0}] | {Median(theirs):F0} [{theirs.Min():F0}, {theirs.Max():F0}] | {Median(mine) / Median(theirs):F2}× | {Median(paired):F2}× [{Quantile(paired, 0.25):F2}, {Quantile(paired, 0.75):F2}] |"));
}

if (options.GetValueOrDefault("steps", "off") == "on") Steps();
Console.WriteLine($"load after: {Load()}");
return 0;

// Where each side's time goes, step for step, reps interleaved as above: the engine's decode loop driven by hand
// (graph run and sampling timed apart, prefill once per request) and GenAI's GenerateNextToken after its first token
// (which comes from the prompt's pass), with what GenAI spends outside its steps per request (tokenizing, the
// generator, the prompt's pass for every row). GenAI's step over the engine's graph run is what an engine with
// nothing outside the graph would reach, step for step.
void Steps()
{
    Console.WriteLine();
    Console.WriteLine("| N | engine graph run µs/step | engine sampling µs/step | engine prefill ms | GenAI step µs | GenAI outside steps ms | GenAI step / engine graph run: median [quartiles] |");
    Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|");
    using var runOptions = new Microsoft.ML.OnnxRuntime.RunOptions();
    foreach (var n in sizes)
    {
        var request = new TraceRequest
        {
            Prompt = Prompt,
            Count = n,
            Sampling = new SamplingOptions { Temperature = 0.8f, Seed = 1, MaxTokens = tokens, IgnoreEndOfSequence = true },
        };
        var ids = DecodePlan.Encode(engineModel, request);
        var plan = new DecodePlan(engineModel, request, ids.Length);
        using var loop = new DecodeLoop(engineModel, n, ids.Length + plan.MaxLength);
        var sink = new KeepAll();
        var run = new List<double>();
        var sample = new List<double>();
        var prefill = new List<double>();
        var step = new List<double>();
        var outside = new List<double>();
        var bound = new List<double>();

        void Engine()
        {
            loop.Clear();
            var t0 = Stopwatch.GetTimestamp();
            var prompt = loop.Prefill(ids, 512, runOptions);
            prefill.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            var rows = new TraceRow[n];
            for (var r = 0; r < n; r++) rows[r] = plan.CreateRow(r);
            loop.Admit(prompt, rows);
            long running = 0, sampling = 0;
            for (var s = 0; s < tokens - 1; s++)
            {
                var a = Stopwatch.GetTimestamp();
                loop.Sample(sink);
                var b = Stopwatch.GetTimestamp();
                loop.Run(runOptions);
                sampling += b - a;
                running += Stopwatch.GetTimestamp() - b;
            }

            run.Add(running * 1e6 / Stopwatch.Frequency / (tokens - 1));
            sample.Add(sampling * 1e6 / Stopwatch.Frequency / (tokens - 1));
        }

        void Genai(int seed)
        {
            var clock = Stopwatch.StartNew();
            var stepping = WithGenai(n, seed, (generator, _) =>
            {
                generator.GenerateNextToken();
                long ticks = 0;
                var steps = 0;
                while (!generator.IsDone())
                {
                    var a = Stopwatch.GetTimestamp();
                    generator.GenerateNextToken();
                    ticks += Stopwatch.GetTimestamp() - a;
                    steps++;
                }

                step.Add(ticks * 1e6 / Stopwatch.Frequency / steps);
                return ticks * 1e3 / Stopwatch.Frequency;
            });
            outside.Add(clock.Elapsed.TotalMilliseconds - stepping);
        }

        Engine();
        Genai(0);
        run.Clear();
        sample.Clear();
        prefill.Clear();
        step.Clear();
        outside.Clear();
        for (var rep = 1; rep <= reps; rep++)
        {
            if (rep % 2 == 0) { Genai(rep); Engine(); }
            else { Engine(); Genai(rep); }
            bound.Add(step[^1] / run[^1]);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {n} | {Median(run):F0} | {Median(sample):F0} | {Median(prefill):F1} | {Median(step):F0} | {Median(outside):F1} | {Median(bound):F2}× [{Quantile(bound, 0.25):F2}, {Quantile(bound, 0.75):F2}] |"));
    }
}

double RunEngine(int n, int seed)
{
    var request = new TraceRequest
    {
        Prompt = Prompt,
        Count = n,
        Sampling = new SamplingOptions { Temperature = 0.8f, Seed = (ulong)seed, MaxTokens = tokens, IgnoreEndOfSequence = true },
    };
    var clock = Stopwatch.StartNew();
    var generated = 0;
    foreach (var t in engine.GenerateAllAsync(request).GetAwaiter().GetResult()) generated += t.GeneratedTokens;
    var seconds = clock.Elapsed.TotalSeconds;
    if (generated != n * tokens) throw new InvalidOperationException($"engine generated {generated} tokens, expected {n * tokens}");
    return generated / seconds;
}

double RunGenai(int n, int seed)
{
    var clock = Stopwatch.StartNew();
    return WithGenai(n, seed, (generator, length) =>
    {
        while (!generator.IsDone()) generator.GenerateNextToken();
        var seconds = clock.Elapsed.TotalSeconds;
        var generated = (int)(generator.GetSequence(0).Length - length) * n;
        if (generated != n * tokens) throw new InvalidOperationException($"GenAI generated {generated} tokens, expected {n * tokens}");
        return generated / seconds;
    });
}

// A GenAI generator for N copies of the prompt with the prompt appended, handed to decode with the prompt's length
// (FACTS.md: N samples of one prompt = batch_size N with the prompt appended N times; min_length = max_length so every
// row generates the same count). Tokenizing and the generator's set-up happen here, inside the caller's clock.
double WithGenai(int n, int seed, Func<Genai.Generator, int, double> decode)
{
    using var sequences = genaiTokenizer.EncodeBatch(Enumerable.Repeat(Prompt, n).ToArray());
    var length = sequences[0].Length;
    using var parameters = new Genai.GeneratorParams(genaiModel);
    parameters.SetSearchOption("batch_size", n);
    parameters.SetSearchOption("do_sample", true);
    parameters.SetSearchOption("temperature", 0.8);
    parameters.SetSearchOption("random_seed", seed);
    if (genaiSearch == "same")
    {
        parameters.SetSearchOption("top_k", 0);
        parameters.SetSearchOption("top_p", 1.0);
    }

    parameters.SetSearchOption("min_length", length + tokens);
    parameters.SetSearchOption("max_length", length + tokens);
    using var generator = new Genai.Generator(genaiModel, parameters);
    generator.AppendTokenSequences(sequences);
    return decode(generator, length);
}

static double Median(List<double> xs) => Quantile(xs, 0.5);

// Linear interpolation between order statistics (type 7, as R and NumPy default to).
static double Quantile(List<double> xs, double q)
{
    var s = xs.Order().ToArray();
    var h = (s.Length - 1) * q;
    var lo = (int)Math.Floor(h);
    return lo + 1 < s.Length ? s[lo] + (h - lo) * (s[lo + 1] - s[lo]) : s[lo];
}

static string Load() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";

static Dictionary<string, string> Args(string[] args)
{
    var d = new Dictionary<string, string>(StringComparer.Ordinal);
    for (var i = 0; i + 1 < args.Length; i += 2) d[args[i].TrimStart('-')] = args[i + 1];
    return d;
}

static string FindShipped()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        var shipped = Path.Combine(dir.FullName, "models", "arith-mini");
        if (File.Exists(Path.Combine(shipped, "model.onnx"))) return shipped;
    }

    throw new InvalidOperationException("models/arith-mini not found: pass --model.");
}

/// <summary>No row leaves early: every row runs the full token count.</summary>
sealed class KeepAll : DecodeLoop.IRowSink
{
    public bool CheckControl(TraceRow row) => false;

    public bool Drops(TraceRow row) => false;

    public void Left(TraceRow row, FinishReason? reason)
    {
    }
}
