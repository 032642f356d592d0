using BenchmarkDotNet.Attributes;
using InferenceScaling.Arith;
using InferenceScaling.Solving;
using InferenceScaling.Prompts;
using InferenceScaling.Runtime;
using InferenceScaling.Verification;

namespace InferenceScaling.Benchmarks;

/// <summary>
/// What one check of a five-step candidate costs: step scores (<see cref="StepScoreChecker"/>: ten scored
/// continuations in one batched pass, plus one short greedy calc when a step fails) against a written critique
/// (<see cref="SolutionChecker"/>: the model generates a check of the whole solution, greedy).
/// </summary>
[MemoryDiagnoser]
public class CandidateCheckBenchmark
{
    private const string Question = "Jack starts with 3 beads. He gets 79 more from a friend. Then he finds 86 more. He doubles them. Then he gives away 97. How many beads does Jack have?";

    private DecoderModel _model = null!;
    private ICandidateChecker _checker = null!;

    /// <summary>Which checker.</summary>
    [Params("steps", "critique")]
    public string Checker { get; set; } = "steps";

    /// <summary>A right candidate or one with a wrong second step.</summary>
    [Params("right", "wrong")]
    public string Candidate { get; set; } = "right";

    private string Solution => Candidate == "right"
        ? "3+79=82. 82+86=168. 168*2=336. 336-97=239. Answer: 239"
        : "3+79=82. 82+86=178. 178*2=356. 356-97=259. Answer: 259";

    [GlobalSetup]
    public void Setup()
    {
        _model = DecoderModel.Load(BenchmarkModel.Folder(), new DecoderModelOptions { IntraOpThreads = 2 });
        var prompts = PromptSet.Find(_model.PromptSet);
        var generator = new OnnxTraceGenerator(_model);
        _checker = Checker == "steps"
            ? new StepScoreChecker(new OnnxContinuationScorer(_model), generator, prompts)
            : new SolutionChecker(generator, prompts, SolverServices.CheckOptionsFor(prompts, _model.Tokenizer.Encode));
    }

    [GlobalCleanup]
    public void Cleanup() => _model.Dispose();

    [Benchmark]
    public async Task<double?> Check()
    {
        var c = await _checker.CheckAsync(Question, Solution, null, null);
        return c.CorrectProbability;
    }
}
