using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using InferenceScaling.Prompts;
using InferenceScaling.Sampling;
using InferenceScaling.Verification;

namespace InferenceScaling.Arith;

/// <summary>
/// Checks a solution step by step by asking the model how much it believes each written step, instead of asking it
/// to write a critique: every step <c>a op b=c</c> is scored forward (p(<c>c</c> | <c>Calc: a op b=</c>)) and undone
/// (p(<c>a</c> | <c>Calc: c op⁻¹ b=</c>)) by teacher forcing through an <see cref="IContinuationScorer"/>. Needs a
/// prompt set with step checks (<see cref="PromptSet.HasStepChecks"/>). Thread-safe if the scorer and generator are.
/// </summary>
/// <remarks>
/// <para><b>Why.</b> A small model that critiques a whole solution re-solves it and repeats its own slips. Judging one
/// step alone is easier than producing it, and the inverse is a different calculation, so its errors do not repeat the
/// forward ones: on 540 wrong steps of the shipped model's hard-problem samples, its forward calculation agreed with
/// the wrong result 28% of the time and the inverse 2%.</para>
/// <para><b>Score.</b> Steps must chain (each left operand is the result before it) and the answer must be the last
/// result, or the check fails at that step with score 0. Otherwise p(correct) = exp(minᵢ (forwardᵢ + inverseᵢ)): the
/// belief in the weakest step, which is what selection uses. The verdict is "correct" when greedy calculation
/// reproduces every written result, otherwise "wrong" at the first step where it does not: the check text can then show
/// the model's own value. The inverse only lowers the score: alone as a verdict it also fails about one right step in
/// eight.</para>
/// <para><b>Text.</b> The check is written in the set's check format (arith: <c>a-b=c ok.</c> per step, the failing
/// step with the model's own greedy result and <c>wrong</c>, then the verdict), so a fix prompt can use it. Writing
/// the failing step's value costs one short greedy generation; scoring costs prompt tokens only.</para>
/// </remarks>
public sealed partial class StepScoreChecker : ICandidateChecker
{
    private readonly IContinuationScorer _scorer;

    /// <summary>Computes the failing step's value for the check text.</summary>
    private readonly ITraceGenerator _generator;

    /// <summary>Calc prompt, step pattern, verdict texts.</summary>
    private readonly PromptSet _prompts;

    /// <summary>Greedy, a few tokens: one number, stopped at what the set writes after it (arith's <c>.</c>).</summary>
    private readonly SamplingOptions _calc;

    /// <summary>Creates a checker. Does no I/O.</summary>
    /// <param name="scorer">Scores continuations (the model that solved).</param>
    /// <param name="generator">Generates with the same model (the failing step's value).</param>
    /// <param name="prompts">A prompt set with step checks.</param>
    /// <exception cref="ArgumentException">The prompt set has no calc prompt or no step pattern with named groups.</exception>
    public StepScoreChecker(IContinuationScorer scorer, ITraceGenerator generator, PromptSet prompts)
    {
        ArgumentNullException.ThrowIfNull(scorer);
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(prompts);
        if (!prompts.HasStepChecks)
            throw new ArgumentException($"Prompt set '{prompts.Name}' has no step checks (it needs calc_prompt, calc_result and a step_pattern with groups left, op, right, result).", nameof(prompts));
        _scorer = scorer;
        _generator = generator;
        _prompts = prompts;
        // The drill format runs on after a result ("10. 10/2=5. …"); what follows {value} in calc_result ends it.
        var template = prompts.CalcResultTemplate!;
        var after = template[(template.IndexOf("{value}", StringComparison.Ordinal) + "{value}".Length)..];
        _calc = new SamplingOptions { Temperature = 0f, MaxTokens = 12, StopStrings = after.Length > 0 ? [after] : [] };
    }

    /// <inheritdoc />
    public int MaxTokens => _calc.MaxTokens;

    /// <inheritdoc />
    public async Task<VerificationCheck> CheckAsync(
        string question,
        string solution,
        string? answer,
        string? answerKey,
        int? solutionTraceIndex = null,
        int streamIndex = 0,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(question);
        ArgumentNullException.ThrowIfNull(solution);
        var trimmed = solution.Trim();
        var steps = Parse(trimmed);
        var usage = new Usage { StopReason = StopReason.Completed };
        if (steps.Count == 0)
            return Record(trimmed, answer, answerKey, solutionTraceIndex, "no steps to check", VerdictKind.None, null, null, [], usage);

        // Structure first: a step that does not continue from the one before (or an answer that is not the last
        // result) is wrong whatever the arithmetic.
        var broken = -1;
        string? why = null;
        for (var i = 1; i < steps.Count && broken < 0; i++)
            if (!string.Equals(steps[i].Left, steps[i - 1].Result, StringComparison.Ordinal))
            {
                broken = i;
                why = $"starts from {steps[i].Left}, not from the result before it ({steps[i - 1].Result})";
            }

        if (broken < 0 && answer is { } a && !string.Equals(a.Trim(), steps[^1].Result, StringComparison.Ordinal))
        {
            broken = steps.Count - 1;
            why = $"the answer {a.Trim()} is not the last result {steps[^1].Result}";
        }

        // Score every step up to the break, forward and (where an inverse exists) undone, in one call.
        var scored = broken < 0 ? steps.Count : broken;
        var items = new List<Continuation>(2 * scored);
        var forwardAt = new int[scored];
        var inverseAt = new int[scored];
        for (var i = 0; i < scored; i++)
        {
            var s = steps[i];
            forwardAt[i] = items.Count;
            items.Add(new Continuation(_prompts.Calc(s.Left + s.Op + s.Right), _prompts.CalcResult(s.Result)));
            inverseAt[i] = -1;
            if (Inverse(s.Op) is { } inv)
            {
                inverseAt[i] = items.Count;
                items.Add(new Continuation(_prompts.Calc(s.Result + inv + s.Right), _prompts.CalcResult(s.Left)));
            }
        }

        var scores = items.Count == 0 ? [] : await _scorer.ScoreAsync(items, cancellationToken).ConfigureAwait(false);
        long promptTokens = 0;
        foreach (var sc in scores) promptTokens += sc.PromptTokens + sc.TokenLogProbs.Count;
        var stepScores = new List<StepScore>(steps.Count);
        var firstWrong = -1;
        var minLog = 0.0;
        for (var i = 0; i < scored; i++)
        {
            var forward = scores[forwardAt[i]];
            var inverse = inverseAt[i] >= 0 ? scores[inverseAt[i]] : null;
            var step = new StepScore
            {
                Step = steps[i].Text, ForwardLogProb = forward.LogProb, InverseLogProb = inverse?.LogProb, Agrees = forward.IsGreedy, InverseAgrees = inverse?.IsGreedy,
            };
            stepScores.Add(step);
            minLog = Math.Min(minLog, step.LogScore ?? double.NegativeInfinity);
            if (!step.Agrees && firstWrong < 0) firstWrong = i;
        }

        if (broken >= 0)
        {
            stepScores.Add(new StepScore { Step = steps[broken].Text, Agrees = false, Break = why });
            if (firstWrong < 0) firstWrong = broken;
        }

        usage = usage with { PromptTokens = promptTokens, PrefillPasses = items.Count };
        var pCorrect = broken >= 0 ? 0.0 : Math.Exp(minLog);
        var verdict = firstWrong < 0 ? VerdictKind.Correct : VerdictKind.Wrong;

        // The check text, in the set's check format: steps before the failure "ok", the failing one with the
        // model's own value.
        var text = new StringBuilder();
        for (var i = 0; i < (firstWrong < 0 ? steps.Count : firstWrong); i++)
            text.Append(steps[i].Text).Append(" ok. ");
        if (firstWrong >= 0)
        {
            var s = steps[firstWrong];
            if (firstWrong == broken)
            {
                // A broken chain or answer, not a slip: the step is shown as written, with nothing to recompute.
                text.Append(s.Text).Append(" wrong. ");
            }
            else
            {
                var (value, calcUsage) = await ComputeAsync(s.Left + s.Op + s.Right, streamIndex, cancellationToken).ConfigureAwait(false);
                usage += calcUsage;
                text.Append(s.Left).Append(s.Op).Append(s.Right).Append('=').Append(value ?? "?").Append(" wrong. ");
            }

            text.Append(WrongVerdict(firstWrong + 1));
        }
        else
        {
            text.Append(_prompts.VerdictCorrect);
        }

        return Record(trimmed, answer, answerKey, solutionTraceIndex, text.ToString(), verdict, firstWrong < 0 ? null : firstWrong + 1, pCorrect, stepScores, usage);
    }

    /// <summary>The model's greedy value of <paramref name="expression"/>, or null when it writes no number.</summary>
    private async Task<(string? Value, Usage Usage)> ComputeAsync(string expression, int streamIndex, CancellationToken cancellationToken)
    {
        var prompt = _prompts.Calc(expression);
        var trace = await _generator.GenerateOneAsync(new TraceRequest { Prompt = prompt, Count = 1, FirstIndex = streamIndex, Sampling = _calc }, cancellationToken).ConfigureAwait(false);
        var m = LeadingNumber().Match(trace.Text);
        var usage = new Usage
        {
            PromptTokens = _generator.CountTokens(prompt),
            GeneratedTokens = trace.GeneratedTokens,
            DecodeSteps = trace.DecodeSteps,
            PrefillPasses = 1,
            Samples = 1,
        };
        return (m.Success ? m.Value : null, usage);
    }

    /// <summary>The set's "wrong at step n" verdict (its pattern with the number in place of the group).</summary>
    private string WrongVerdict(int step)
    {
        var pattern = _prompts.VerdictWrong.ToString();
        var group = pattern.IndexOf("(\\d+)", StringComparison.Ordinal);
        var n = step.ToString(CultureInfo.InvariantCulture);
        return group >= 0 ? Regex.Unescape(pattern[..group]) + n + Regex.Unescape(pattern[(group + 5)..]) : "wrong at step " + n;
    }

    private List<ParsedStep> Parse(string solution)
    {
        var list = new List<ParsedStep>();
        foreach (Match m in _prompts.StepPattern!.Matches(solution))
            list.Add(new ParsedStep(m.Value, m.Groups["left"].Value, m.Groups["op"].Value, m.Groups["right"].Value, m.Groups["result"].Value));
        return list;
    }

    /// <summary>The operator that undoes <paramref name="op"/> (<c>c op⁻¹ b = a</c>), or null for one without.</summary>
    private static string? Inverse(string op) => op switch
    {
        "+" => "-",
        "-" => "+",
        "*" => "/",
        "/" => "*",
        _ => null,
    };

    private static VerificationCheck Record(string solution, string? answer, string? key, int? traceIndex, string text, VerdictKind verdict, int? wrongStep, double? pCorrect, IReadOnlyList<StepScore> steps, Usage usage) => new()
    {
        AnswerKey = key,
        Answer = answer,
        Solution = solution,
        SolutionTraceIndex = traceIndex,
        Text = text,
        Verdict = verdict,
        WrongStep = wrongStep,
        CorrectProbability = pCorrect,
        Steps = steps,
        FinishReason = FinishReason.EndOfSequence,
        Usage = usage,
    };

    [GeneratedRegex(@"^\s*-?\d+", RegexOptions.CultureInvariant)]
    private static partial Regex LeadingNumber();

    /// <summary>One step as the pattern reads it.</summary>
    private readonly record struct ParsedStep(string Text, string Left, string Op, string Right, string Result);
}
