using System.Runtime.CompilerServices;
using InferenceScaling.Sampling;
using InferenceScaling.Voting;

namespace InferenceScaling.Tests.Fakes;

/// <summary>
/// Replays a script of traces by index (trace i of any request is script[i]). Ungated rows finish at once, in index
/// order; gated rows (<see cref="ScriptedTrace.Gate"/>) stay "running" until their gate completes or they are
/// cancelled through <see cref="TraceControl"/>. The control is checked before each row is yielded and whenever the
/// generator wakes (a gate completes, <see cref="Pulse"/>, or the token is cancelled). Deterministic; no sleeps.
/// </summary>
public sealed class ScriptedTraceGenerator(IReadOnlyList<ScriptedTrace> script) : ITraceGenerator
{
    private readonly TaskCompletionSource _blocked = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _pulse = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ScriptedTraceGenerator(params ScriptedTrace[] traces) : this((IReadOnlyList<ScriptedTrace>)traces) { }

    /// <summary>Every request received, in order.</summary>
    public List<TraceRequest> Requests { get; } = [];

    /// <summary>The control's MinWindowConfidence as seen at the start of each request.</summary>
    public List<double?> ThresholdsSeen { get; } = [];

    /// <summary>Called at the start of each request (e.g. to move a fake clock).</summary>
    public Action<TraceRequest>? OnRequest { get; set; }

    /// <summary>Completes the first time the generator waits on gated traces.</summary>
    public Task Blocked => _blocked.Task;

    /// <summary>Wakes a waiting generator so it re-checks the trace control.</summary>
    public void Pulse() => Interlocked.Exchange(ref _pulse, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    public int CountTokens(string text) => text.Length;

    public async IAsyncEnumerable<Trace> GenerateAsync(TraceRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Requests.Add(request);
        ThresholdsSeen.Add(request.Control?.MinWindowConfidence);
        OnRequest?.Invoke(request);
        var prompt = CountTokens(request.Prompt);
        var pending = new List<int>();
        for (var i = request.FirstIndex; i < request.FirstIndex + request.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (i >= script.Count) throw new InvalidOperationException($"The script has no trace {i}.");
            if (request.Control?.IsCancelled(i) == true) yield return Cancelled(i, prompt);
            else if (script[i].Gate is null) yield return Finished(i, request, prompt);
            else pending.Add(i);
        }

        while (pending.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var progressed = false;
            foreach (var i in pending.ToArray())
            {
                if (request.Control?.IsCancelled(i) == true) { pending.Remove(i); progressed = true; yield return Cancelled(i, prompt); }
                else if (script[i].Gate!.Task.IsCompleted) { pending.Remove(i); progressed = true; yield return Finished(i, request, prompt); }
            }

            if (progressed) continue;
            var pulse = Volatile.Read(ref _pulse);
            using var registration = cancellationToken.Register(static p => ((TaskCompletionSource)p!).TrySetResult(), pulse);
            var waits = new List<Task> { pulse.Task };
            foreach (var i in pending) waits.Add(script[i].Gate!.Task);
            _blocked.TrySetResult();
            await Task.WhenAny(waits);
        }
    }

    private Trace Finished(int index, TraceRequest request, int prompt)
    {
        var s = script[index];
        var control = request.Control;
        if (s.Tokens > request.Sampling.MaxTokens)
            return Make(index, "", request.Sampling.MaxTokens, FinishReason.Length, prompt, eos: false);
        var trace = Make(index, s.Text, s.Tokens, s.Finish, prompt, eos: s.Finish == FinishReason.EndOfSequence);
        if (control?.MinWindowConfidence is { } min && TraceConfidence.LowestWindowMean(trace, control.ConfidenceWindow) < min)
            return trace with { FinishReason = FinishReason.LowConfidence, Text = "", DecodeSteps = trace.GeneratedTokens };
        return trace;
    }

    private Trace Cancelled(int index, int prompt)
    {
        var s = script[index];
        return Make(index, s.CancelledText, s.CancelledTokens ?? s.Tokens / 2, FinishReason.Cancelled, prompt, eos: false);
    }

    private Trace Make(int index, string text, int tokens, FinishReason finish, int prompt, bool eos)
    {
        var s = script[index];
        var ids = new int[tokens];
        var logProbs = new float[tokens];
        var confidences = new float[tokens];
        for (var t = 0; t < tokens; t++)
        {
            ids[t] = t;
            logProbs[t] = s.LogProbs?[t] ?? s.LogProb;
            confidences[t] = s.Confidences?[t] ?? s.Confidence;
        }

        return new Trace
        {
            Index = index,
            Text = text,
            TokenIds = ids,
            TokenLogProbs = logProbs,
            TokenConfidences = confidences,
            FinishReason = finish,
            PromptTokens = prompt,
            DecodeSteps = tokens + (eos ? 1 : 0),
        };
    }
}
