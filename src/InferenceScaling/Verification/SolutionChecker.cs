using InferenceScaling.Prompts;
using InferenceScaling.Sampling;

namespace InferenceScaling.Verification;

/// <summary>
/// Runs one check: fills the prompt set's critique template with the question and a candidate solution, generates
/// the critique through the <see cref="ITraceGenerator"/>, reads its verdict and scores it. Shared by verification and
/// refinement. Thread-safe if the generator is.
/// </summary>
/// <remarks>
/// <para><b>Scoring.</b> The verdict position is the token that starts the verdict word after the marker (the
/// <c> correct</c> / <c> wrong</c> token after <c>Verdict:</c>). Its index in the trace is the token count of the
/// check text before it (<see cref="ITraceGenerator.CountTokens"/> of that prefix, less the count of the empty
/// string, which is the beginning-of-sequence token when the model adds one). Then:</para>
/// <list type="bullet">
/// <item>With <see cref="CheckOptions.VerdictTokens"/> and top log-probabilities at that position: p(correct) =
/// p_c / (p_c + p_w), the probabilities of the two verdict tokens (a token missing from the top list counts as 0;
/// if the written token is not one of the two, the position is searched two tokens either way).</item>
/// <item>Otherwise, from the written token's probability p: p(correct) = p for a "correct" verdict and 1 − p for a
/// "wrong" one — all mass not on the written verdict is counted for the other, which is exact when the model splits
/// its mass between the two verdict words, as a trained checker does.</item>
/// <item>When the position cannot be found in the trace (index out of range): 1 for "correct", 0 for "wrong".</item>
/// <item>No verdict: no score (null). Malformed output never counts as correct.</item>
/// <item>With <see cref="CheckOptions.StepTokens"/> as well (a format that judges each step, like arith's
/// <c>12+7=19 ok.</c>): p(correct) = Π over the step judgements before the verdict of p(ok) / (p(ok) + p(wrong)),
/// times the verdict's factor above when the verdict is "correct" — the probability that the check passes every step.
/// A check without step judgements keeps the verdict's score.</item>
/// </list>
/// <para>The solution is trimmed before it goes into the prompt: the model's solve completions start with a space
/// that the training data's <c>S: </c> line already has.</para>
/// </remarks>
internal sealed class SolutionChecker : ICandidateChecker
{
    private readonly ITraceGenerator _generator;

    /// <summary>Critique template and verdicts.</summary>
    private readonly PromptSet _prompts;

    private readonly VerdictParser _parser;

    /// <summary>Sampling of every check, stop strings merged.</summary>
    private readonly SamplingOptions _sampling;

    private readonly CheckOptions _options;

    /// <summary>Creates a checker. Does no I/O.</summary>
    /// <param name="generator">Generates the critiques (usually the model that solved).</param>
    /// <param name="prompts">The prompt set (critique template, verdict texts, stop strings).</param>
    /// <param name="options">Sampling and scoring; default <see cref="CheckOptions"/>'s defaults.</param>
    public SolutionChecker(ITraceGenerator generator, PromptSet prompts, CheckOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(prompts);
        _generator = generator;
        _prompts = prompts;
        _parser = VerdictParser.For(prompts);
        _options = options ?? new CheckOptions();
        _sampling = prompts.WithStopStrings(_options.Sampling);
    }

    /// <summary>The settings in use.</summary>
    public CheckOptions Options => _options;

    /// <summary>Most tokens one check may generate.</summary>
    public int MaxTokens => _sampling.MaxTokens;

    /// <summary>Checks one candidate solution.</summary>
    /// <param name="question">The question.</param>
    /// <param name="solution">The candidate solution text (trimmed before use).</param>
    /// <param name="answer">The solution's answer, for the record.</param>
    /// <param name="answerKey">The answer's group key, for the record.</param>
    /// <param name="solutionTraceIndex">The solution trace's index, for the record.</param>
    /// <param name="streamIndex">The check's random stream (<see cref="TraceRequest.FirstIndex"/>); irrelevant when greedy.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>The check.</returns>
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
        var prompt = _prompts.Critique(question, trimmed);
        var request = new TraceRequest { Prompt = prompt, Count = 1, FirstIndex = streamIndex, Sampling = _sampling };
        var trace = await _generator.GenerateOneAsync(request, cancellationToken).ConfigureAwait(false);

        var cutShort = trace.FinishReason is FinishReason.Cancelled or FinishReason.LowConfidence;
        var verdict = cutShort ? ParsedVerdict.None : _parser.Parse(trace.Text);
        double? pVerdict, pCorrect;
        if (_options.Recompute is { } recompute && !cutShort)
        {
            verdict = recompute(trimmed, trace.Text, verdict);
            pVerdict = null;
            pCorrect = verdict.Kind == VerdictKind.None ? null : verdict.Kind == VerdictKind.Correct ? 1.0 : 0.0;
        }
        else
        {
            (pVerdict, pCorrect) = Score(trace, verdict);
        }

        return new VerificationCheck
        {
            AnswerKey = answerKey,
            Answer = answer,
            Solution = trimmed,
            SolutionTraceIndex = solutionTraceIndex,
            Text = trace.Text,
            Verdict = verdict.Kind,
            WrongStep = verdict.WrongStep,
            VerdictProbability = pVerdict,
            CorrectProbability = pCorrect,
            FinishReason = trace.FinishReason,
            Usage = new Usage
            {
                PromptTokens = _generator.CountTokens(prompt),
                GeneratedTokens = trace.GeneratedTokens,
                DecodeSteps = trace.DecodeSteps,
                PrefillPasses = 1,
                Samples = 1,
                StopReason = StopReason.Completed,
            },
        };
    }

    /// <summary>The probability of the written verdict token and p(correct); see the class remarks.</summary>
    private (double? Verdict, double? Correct) Score(Trace trace, ParsedVerdict verdict)
    {
        if (verdict.Kind == VerdictKind.None) return (null, null);
        var estimate = _generator.CountTokens(trace.Text[..verdict.WordIndex]) - _generator.CountTokens("");
        var (pVerdict, pCorrect, at) = ScoreVerdict(trace, verdict, estimate);
        if (_options.StepTokens is not { } steps || trace.TopLogProbs is not { } top) return (pVerdict, pCorrect);

        // Step judgements lie before the verdict word; without its exact position, stop short of the estimate.
        var end = Math.Min(Math.Min(trace.TokenIds.Count, top.Count), at ?? estimate - 2);
        double product = 1;
        var found = 0;
        for (var i = 0; i < end; i++)
        {
            var written = trace.TokenIds[i];
            if (written != steps.CorrectTokenId && written != steps.WrongTokenId) continue;
            product *= PairShare(trace, top, i, steps);
            found++;
        }

        if (found == 0) return (pVerdict, pCorrect);
        return (pVerdict, verdict.Kind == VerdictKind.Correct ? product * pCorrect : product);
    }

    /// <summary>The verdict's score and, when found, the verdict token's exact position.</summary>
    private (double? Verdict, double Correct, int? At) ScoreVerdict(Trace trace, ParsedVerdict verdict, int index)
    {
        var isCorrect = verdict.Kind == VerdictKind.Correct;
        if (_options.VerdictTokens is { } ids && trace.TopLogProbs is { } top)
        {
            // Tokenizing a prefix on its own can shift a boundary by a token; look for the verdict token nearby.
            for (var d = 0; d <= 2; d++)
            {
                foreach (var i in d == 0 ? new[] { index } : new[] { index - d, index + d })
                {
                    if (i < 0 || i >= trace.TokenIds.Count || i >= top.Count) continue;
                    var written = trace.TokenIds[i];
                    if (written != ids.CorrectTokenId && written != ids.WrongTokenId) continue;
                    return (Math.Exp(trace.TokenLogProbs[i]), PairShare(trace, top, i, ids), i);
                }
            }
        }

        if (index < 0 || index >= trace.TokenLogProbs.Count) return (null, isCorrect ? 1.0 : 0.0, null);
        var p = Math.Exp(trace.TokenLogProbs[index]);
        return (p, isCorrect ? p : 1 - p, null);
    }

    /// <summary>
    /// p(first) / (p(first) + p(second)) at position <paramref name="i"/>: the written token's probability is exact,
    /// the other comes from the top list (0 when it is not there).
    /// </summary>
    private static double PairShare(Trace trace, IReadOnlyList<TokenLogProb[]> top, int i, VerdictTokens pair)
    {
        double pc = 0, pw = 0;
        foreach (var candidate in top[i])
        {
            if (candidate.TokenId == pair.CorrectTokenId) pc = Math.Exp(candidate.LogProb);
            else if (candidate.TokenId == pair.WrongTokenId) pw = Math.Exp(candidate.LogProb);
        }

        var written = Math.Exp(trace.TokenLogProbs[i]);
        if (trace.TokenIds[i] == pair.CorrectTokenId) pc = written; else pw = written;
        return pc / (pc + pw);
    }
}
