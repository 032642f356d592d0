using System.Runtime.CompilerServices;
using InferenceScaling.Sampling;

namespace InferenceScaling.Tests.Fakes;

/// <summary>
/// A fake model that answers by prompt kind, in the arith prompt set's formats: solve prompts (<c>…\nA:</c>) replay
/// <see cref="Solutions"/> by trace index; check prompts (<c>…\nCheck:</c>) answer from <see cref="Checks"/> by the
/// solution checked; fix prompts (<c>…\nFix:</c>) replay <see cref="Revisions"/> of the solution by trace index. One
/// character is one token (<see cref="CountTokens"/> = length); every token has log-prob −0.1 except the verdict
/// position of a check, which gets <see cref="ScriptedCheck.VerdictLogProb"/>. Records every request and what it cost.
/// Deterministic; no sleeps.
/// </summary>
public sealed class ScriptedModel : ITraceGenerator
{
    /// <summary>Solve outputs by trace index.</summary>
    public List<string> Solutions { get; } = [];

    /// <summary>Per-trace mean log-prob of solve outputs (default −0.1), by index.</summary>
    public Dictionary<int, float> SolutionLogProbs { get; } = [];

    /// <summary>Check outputs by the (trimmed) solution checked. A solution with no entry gets an empty check (no verdict).</summary>
    public Dictionary<string, ScriptedCheck> Checks { get; } = new(StringComparer.Ordinal);

    /// <summary>Fix outputs by the (trimmed) solution fixed, by trace index.</summary>
    public Dictionary<string, List<string>> Revisions { get; } = new(StringComparer.Ordinal);

    /// <summary>Calc outputs (<c>Calc: {expression}=</c> prompts) by expression; a calc with no entry throws.</summary>
    public Dictionary<string, string> Calculations { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Continuations of a solve prompt that already holds part of a solution (<c>…\nA: 2+1=3.</c>), by that part, by
    /// trace index.
    /// </summary>
    public Dictionary<string, List<string>> Continuations { get; } = new(StringComparer.Ordinal);

    /// <summary>Every request, in order.</summary>
    public List<TraceRequest> Requests { get; } = [];

    /// <summary>
    /// Requests this picks are held: the model signals <see cref="Holding"/> and then waits until the request's token is
    /// cancelled (it throws) or its <see cref="TraceRequest.Control"/> cancels every trace (each trace then comes back
    /// <see cref="FinishReason.Cancelled"/> with <see cref="HeldText"/> written, counted in <see cref="Spent"/>, as a
    /// decode loop yields rows cut mid-generation). A deadline test moves the clock meanwhile. No sleeps.
    /// </summary>
    public Func<TraceRequest, bool>? Hold { get; set; }

    /// <summary>What a held trace had written when its control cut it. Default five tokens.</summary>
    public string HeldText { get; set; } = " 1+1=";

    /// <summary>Completes when the first held request starts waiting.</summary>
    public Task Holding => _holding.Task;

    private readonly TaskCompletionSource _holding = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The solutions checked, in order.</summary>
    public List<string> Checked { get; } = [];

    /// <summary>Fix requests received.</summary>
    public int FixRequests { get; private set; }

    /// <summary>Total cost of everything generated, as a solver should report it (wall time zero).</summary>
    public Usage Spent { get; private set; }

    public int CountTokens(string text) => text.Length;

    public async IAsyncEnumerable<Trace> GenerateAsync(TraceRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        Requests.Add(request);
        if (Hold?.Invoke(request) == true)
        {
            _holding.TrySetResult();
            using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, request.Control?.AllCancelled ?? CancellationToken.None);
            var cut = false;
            try
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, either.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                cut = true;
            }

            if (cut)
            {
                for (var i = request.FirstIndex; i < request.FirstIndex + request.Count; i++)
                {
                    var held = Make(i, HeldText, -0.1f, -1, 0, request) with { FinishReason = FinishReason.Cancelled, DecodeSteps = HeldText.Length };
                    Spent += new Usage { GeneratedTokens = held.GeneratedTokens, DecodeSteps = held.DecodeSteps, Samples = 1 };
                    yield return held;
                }

                Spent += new Usage { PromptTokens = request.Prompt.Length, PrefillPasses = 1 };
                yield break;
            }
        }

        var prompt = request.Prompt;
        for (var i = request.FirstIndex; i < request.FirstIndex + request.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Trace trace;
            if (prompt.EndsWith("\nCheck:", StringComparison.Ordinal))
            {
                var solution = Between(prompt, "\nS: ", "\nCheck:");
                Checked.Add(solution);
                var check = Checks.TryGetValue(solution, out var c) ? c : new ScriptedCheck("");
                var at = check.Text.IndexOf("Verdict:", StringComparison.Ordinal);
                trace = Make(i, check.Text, -0.1f, at < 0 ? -1 : at + "Verdict:".Length, check.VerdictLogProb, request);
            }
            else if (prompt.EndsWith("\nFix:", StringComparison.Ordinal))
            {
                if (i == request.FirstIndex) FixRequests++;
                var solution = Between(prompt, "\nS: ", "\nCheck: ");
                var list = Revisions.TryGetValue(solution, out var r) ? r : throw new InvalidOperationException($"No revisions scripted for '{solution}'.");
                trace = Make(i, list[i % list.Count], -0.1f, -1, 0, request);
            }
            else if (prompt.StartsWith("Calc: ", StringComparison.Ordinal) && prompt.EndsWith('='))
            {
                var expression = prompt["Calc: ".Length..^1];
                var value = Calculations.TryGetValue(expression, out var v) ? v : throw new InvalidOperationException($"No calculation scripted for '{expression}'.");
                trace = Make(i, value + ".", -0.1f, -1, 0, request);
            }
            else if (prompt.IndexOf("\nA:", StringComparison.Ordinal) is var a and >= 0 && prompt[(a + 3)..] is { Length: > 0 } part)
            {
                var list = Continuations.TryGetValue(part, out var r) ? r : throw new InvalidOperationException($"No continuations scripted for '{part}'.");
                trace = Make(i, list[i % list.Count], -0.1f, -1, 0, request);
            }
            else
            {
                trace = Make(i, Solutions[i], SolutionLogProbs.GetValueOrDefault(i, -0.1f), -1, 0, request);
            }

            Spent += new Usage { GeneratedTokens = trace.GeneratedTokens, DecodeSteps = trace.DecodeSteps, Samples = 1 };
            yield return trace;
        }

        Spent += new Usage { PromptTokens = prompt.Length, PrefillPasses = 1 };
    }

    private static string Between(string text, string start, string end)
    {
        var s = text.IndexOf(start, StringComparison.Ordinal) + start.Length;
        return text[s..text.IndexOf(end, s, StringComparison.Ordinal)];
    }

    private static Trace Make(int index, string text, float logProb, int special, float specialLogProb, TraceRequest request)
    {
        var n = Math.Min(text.Length, request.Sampling.MaxTokens);
        var ids = new int[n];
        var lps = new float[n];
        for (var t = 0; t < n; t++)
        {
            ids[t] = text[t];
            lps[t] = t == special ? specialLogProb : logProb;
        }

        var cut = n < text.Length;
        return new Trace
        {
            Index = index,
            Text = text[..n],
            TokenIds = ids,
            TokenLogProbs = lps,
            TokenConfidences = new float[n],
            FinishReason = cut ? FinishReason.Length : FinishReason.EndOfSequence,
            PromptTokens = request.Prompt.Length,
            DecodeSteps = n + (cut ? 0 : 1),
        };
    }
}

/// <summary>A scripted check output.</summary>
/// <param name="Text">What the check writes.</param>
/// <param name="VerdictLogProb">Log-prob of the token after <c>Verdict:</c> (the verdict word's first token).</param>
public sealed record ScriptedCheck(string Text, float VerdictLogProb = -0.1f)
{
    public static ScriptedCheck Correct(double p = 0.9) => new(" 1+1=2 ok. Verdict: correct", (float)Math.Log(p));

    public static ScriptedCheck Wrong(double p = 0.9, int step = 1) => new($" 1+1=2 wrong. Verdict: wrong at step {step}", (float)Math.Log(p));
}
