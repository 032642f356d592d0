using BenchmarkDotNet.Attributes;
using InferenceScaling.Prompts;
using InferenceScaling.Runtime;
using InferenceScaling.Sampling;
using InferenceScaling.Tools;

namespace InferenceScaling.Benchmarks;

/// <summary>
/// The per-token tool check the decode loop runs with <c>--tools calc</c> when no trigger fires: a trace's tokens fed
/// to the arith calculator's <see cref="ITokenInjector"/>, against the same loop without tools (the baseline).
/// Allocated bytes per operation ÷ <see cref="Tokens"/> = managed allocation per decode step from the check.
/// </summary>
[MemoryDiagnoser]
public class ToolCheckBenchmark
{
    private const int Tokens = 64;
    private DecoderModel _model = null!;
    private ToolSet _tools = null!;
    private int[] _trace = null!;
    private ITokenInjector _injector = null!;

    [GlobalSetup]
    public void Setup()
    {
        _model = DecoderModel.Load(BenchmarkModel.Folder());
        _tools = ToolSet.FromPromptSet(PromptSet.Find("arith"), ["calc"], _model.Tokenizer, _model.Signature.VocabularySize);
        // Step text without an '=' sign: no trigger can complete, so every call is the no-fire path.
        var ids = _model.Tokenizer.Encode(" Tom has 12 apples and buys 7 more then triples them so he has many apples");
        _trace = new int[Tokens];
        for (var i = 0; i < Tokens; i++) _trace[i] = ids[i % ids.Length];
        _injector = _tools.CreateInjector();
    }

    [GlobalCleanup]
    public void Cleanup() => _model.Dispose();

    [Benchmark(Baseline = true, OperationsPerInvoke = Tokens)]
    public int WithoutTools()
    {
        var sum = 0;
        for (var i = 0; i < _trace.Length; i++) sum += _trace[i];
        return sum;
    }

    /// <summary>The steady-state check: one injector fed token after token (what a decode step adds per row).</summary>
    [Benchmark(OperationsPerInvoke = Tokens)]
    public int WithCalculatorNoTrigger()
    {
        var fired = 0;
        for (var i = 0; i < _trace.Length; i++) fired += _injector.OnToken(_trace[i], false).Length;
        return fired;
    }

    /// <summary>As above with a fresh injector per 64-token trace, as the decoder makes one per row: its buffers are per trace.</summary>
    [Benchmark(OperationsPerInvoke = Tokens)]
    public int WithCalculatorNoTriggerFreshTrace()
    {
        var injector = _tools.CreateInjector();
        var fired = 0;
        for (var i = 0; i < _trace.Length; i++) fired += injector.OnToken(_trace[i], false).Length;
        return fired;
    }
}
