using InferenceScaling.Prompts;
using InferenceScaling.Sampling;
using InferenceScaling.Solving;
using InferenceScaling.Verification;

namespace InferenceScaling.Tests.Fakes;

/// <summary>Builds self-consistency over a <see cref="ScriptedModel"/> with the arith prompt set.</summary>
internal static class ScriptedPipeline
{
    public static PromptSet Arith { get; } = PromptSet.Load(Path.Combine(RepoPaths.Root, "prompts", "arith"));

    /// <summary>The solve output for an answer (with the leading space the model writes).</summary>
    public static string Solution(string answer) => $" {answer}+0={answer}. Answer: {answer}";

    /// <summary>The solution as it appears in a check prompt (trimmed).</summary>
    public static string Checked(string answer) => Solution(answer).Trim();

    /// <summary>A model whose solve traces answer <paramref name="answers"/> in index order.</summary>
    public static ScriptedModel Model(params string[] answers)
    {
        var model = new ScriptedModel();
        foreach (var a in answers) model.Solutions.Add(Solution(a));
        return model;
    }

    public static SelfConsistencySolver SelfConsistency(ScriptedModel model, TimeProvider? time = null) =>
        new(model, AnswerLineExtractor.Instance, TrimEquivalence.Instance, options: new SelfConsistencyOptions { PromptTemplate = Arith.Solve }, timeProvider: time);

    /// <summary>
    /// What stage tests build their stages from: <paramref name="generator"/> and the arith prompt set, no scorer or
    /// tokenizer (so checks are written critiques with <see cref="CheckingProfile.Default"/>'s settings), the clock
    /// <paramref name="time"/>, and <paramref name="checker"/> (with the default profile) when a test brings its own.
    /// </summary>
    public static SolverServices Services(ITraceGenerator generator, TimeProvider? time = null, ICandidateChecker? checker = null) => new()
    {
        Generator = generator, Prompts = Arith, Extractor = AnswerLineExtractor.Instance, Equivalence = TrimEquivalence.Instance,
        TimeProvider = time ?? TimeProvider.System, Checker = checker, Checking = checker is null ? null : CheckingProfile.Default,
    };

    /// <summary>A builder for stages over <paramref name="sampler"/>, from <see cref="Services"/> on the sampler's clock.</summary>
    public static SolverBuilder Stages(SelfConsistencySolver sampler, ITraceGenerator generator, ICandidateChecker? checker = null) =>
        sampler.AsBuilder(Services(generator, sampler.Time, checker));

    /// <summary>All samples in one wave, no early stop, with the given stage budgets.</summary>
    public static Budget Budget(int samples, int verifications = 0, int rounds = 0) =>
        new() { MaxSamples = samples, MaxVerifications = verifications, MaxRefinementRounds = rounds };
}
