using System.Text;
using InferenceScaling.Sampling;
using Trace = InferenceScaling.Sampling.Trace;

namespace InferenceScaling.Runtime;

/// <summary>
/// One trace being decoded: its random stream, buffers sized for its token limit (allocated once when it joins), and
/// the per-token logic that draws a token and decides whether the trace has ended. Shared by
/// <see cref="OnnxTraceGenerator"/> and the continuous-batching scheduler so both produce identical traces.
/// </summary>
/// <remarks>
/// With a request's <see cref="TraceRequest.Injector"/>, the row asks its <see cref="ITokenInjector"/> after every
/// appended token; tokens it returns are fed one per step in place of a sample (the step's logits are not drawn from),
/// marked injected, and kept out of the new-token cap, the stop-string and end-of-sequence checks and the confidence
/// window. Only this row's inputs change: the batch decodes on, nothing of other rows is touched.
/// </remarks>
internal sealed class TraceRow
{
    /// <summary>The request-wide settings.</summary>
    public readonly DecodePlan Plan;

    /// <summary>Trace index (the random stream's index).</summary>
    public readonly int Index;

    /// <summary>The row's random stream, seeded by (seed, index) only.</summary>
    public RowRandom Random;

    /// <summary>The trace's ids: generated, and injected where a tool wrote.</summary>
    public readonly int[] Tokens;

    /// <summary>Log-probability per id (0 at injected ids).</summary>
    public readonly float[] LogProbs;

    /// <summary>Confidence per id (0 at injected ids).</summary>
    public readonly float[] Confidences;

    /// <summary>Top log-probabilities per step, when asked for.</summary>
    public readonly TokenLogProb[][]? Top;

    /// <summary>Tokens so far, generated and injected.</summary>
    public int Count;

    /// <summary>Generated (sampled) tokens so far: <see cref="Count"/> less the injected ones.</summary>
    public int Generated;

    /// <summary>Decode steps so far (generated and injected tokens plus an end-of-sequence token).</summary>
    public int Steps;

    /// <summary>The row's tool watcher, or null without tools.</summary>
    private readonly ITokenInjector? _injector;

    /// <summary>Per id, whether it was injected; allocated only with an injector.</summary>
    private readonly bool[]? _injected;

    /// <summary>Confidences of generated ids only, for the DeepConf window: <see cref="Confidences"/> itself without an injector.</summary>
    private readonly float[] _windowConfidences;

    /// <summary>Tokens waiting to be injected, from <see cref="_pendingStart"/>; allocated at the first injection.</summary>
    private int[]? _pending;

    /// <summary>Start and length of the waiting tokens in <see cref="_pending"/>.</summary>
    private int _pendingStart, _pendingCount;

    /// <summary>Text length (in <see cref="_text"/>) after the last injected piece: a stop string must end past it.</summary>
    private int _stopFloor;

    /// <summary>Text so far, only built when stop strings are matched.</summary>
    private StringBuilder? _text;

    /// <summary>Running sum of the DeepConf window.</summary>
    private double _windowSum;

    public TraceRow(DecodePlan plan, int index)
    {
        Plan = plan;
        Index = index;
        var options = plan.Options;
        Random = new RowRandom(options.Seed, index);
        var length = plan.MaxLength;
        Tokens = new int[length];
        LogProbs = new float[length];
        Confidences = new float[length];
        _windowConfidences = Confidences;
        if (plan.Request.Injector is { } factory && factory(index) is { } injector)
        {
            _injector = injector;
            _injected = new bool[length];
            _windowConfidences = new float[length];
        }

        if (options.TopLogProbs > 0)
        {
            Top = new TokenLogProb[length + 1][];
            for (var i = 0; i < Top.Length; i++) Top[i] = new TokenLogProb[options.TopLogProbs];
        }
    }

    /// <summary>
    /// Draws the row's next token from <paramref name="logits"/> (or cancels the row when its control says so) and
    /// returns why the row ended, or null when it goes on with <paramref name="next"/> as its next input.
    /// </summary>
    /// <param name="sampler">The loop's sampler.</param>
    /// <param name="logits">The row's logits.</param>
    /// <param name="checkControl">Whether the control changed since the loop last looked (saves a lock per row).</param>
    /// <param name="next">The drawn token, to feed at the next step.</param>
    public FinishReason? Advance(TokenSampler sampler, ReadOnlySpan<float> logits, bool checkControl, out int next)
    {
        next = 0;
        var plan = Plan;
        if (checkControl && plan.Control!.IsCancelled(Index)) return FinishReason.Cancelled;
        if (_pendingCount > 0) return Inject(out next);
        var options = plan.Options;
        var top = Top is null ? Span<TokenLogProb>.Empty : Top[Count].AsSpan();
        var token = sampler.Sample(logits, options, ref Random, out var logProb, out var confidence, top);
        Steps++;
        if (!options.IgnoreEndOfSequence && plan.Model.Signature.EndOfSequenceIds.Contains(token)) return FinishReason.EndOfSequence;
        Tokens[Count] = token;
        LogProbs[Count] = logProb;
        Confidences[Count] = confidence;
        _windowConfidences[Generated] = confidence;
        Count++;
        Generated++;
        next = token;
        if (plan.Pieces is not null && HitsStop(plan.Pieces[token], options.StopStrings, plan.MaxStop)) return FinishReason.StopString;
        if (Generated >= plan.MaxTokens || Count >= plan.MaxLength) return FinishReason.Length;
        if (plan.Control?.MinWindowConfidence is { } min && WindowConfidenceBelow(confidence, plan.Window, min)) return FinishReason.LowConfidence;
        if (_injector is not null) Queue(_injector.OnToken(token, injected: false));
        return null;
    }

    /// <summary>Feeds the next waiting injected token instead of sampling: appended, marked, shown to the injector.</summary>
    private FinishReason? Inject(out int next)
    {
        var plan = Plan;
        var token = _pending![_pendingStart++];
        _pendingCount--;
        Steps++;
        Tokens[Count] = token;
        LogProbs[Count] = 0;
        Confidences[Count] = 0;
        _injected![Count] = true;
        // Nothing was drawn at this step: no top log-probabilities either.
        if (Top is not null) Top[Count] = [];
        Count++;
        next = token;
        if (plan.Pieces is not null)
        {
            _text ??= new StringBuilder();
            _text.Append(plan.Pieces[token]);
            _stopFloor = _text.Length;
        }

        if (Count >= plan.MaxLength) return FinishReason.Length;
        Queue(_injector!.OnToken(token, injected: true));
        return null;
    }

    /// <summary>Appends <paramref name="tokens"/> to the waiting injection (a copy: the injector's span is short-lived).</summary>
    private void Queue(ReadOnlySpan<int> tokens)
    {
        if (tokens.IsEmpty) return;
        if (_pendingCount == 0) _pendingStart = 0;
        var need = _pendingStart + _pendingCount + tokens.Length;
        if (_pending is null || _pending.Length < need)
        {
            var grown = new int[Math.Max(need, 2 * (_pending?.Length ?? 8))];
            if (_pending is not null) Array.Copy(_pending, _pendingStart, grown, 0, _pendingCount);
            _pending = grown;
            _pendingStart = 0;
        }

        tokens.CopyTo(_pending.AsSpan(_pendingStart + _pendingCount));
        _pendingCount += tokens.Length;
    }

    private bool HitsStop(string piece, IReadOnlyList<string> stops, int maxStop)
    {
        _text ??= new StringBuilder();
        _text.Append(piece);
        var from = Math.Max(0, _text.Length - piece.Length - maxStop);
        for (var s = 0; s < stops.Count; s++)
        {
            var stop = stops[s];
            // A match must end past the last injected text: a tool's output never stops the trace.
            for (var i = Math.Max(from, _stopFloor - stop.Length + 1); i + stop.Length <= _text.Length; i++)
            {
                var match = true;
                for (var c = 0; c < stop.Length && match; c++) match = _text[i + c] == stop[c];
                if (match) return true;
            }
        }

        return false;
    }

    private bool WindowConfidenceBelow(float confidence, int window, double min)
    {
        _windowSum += confidence;
        if (Generated > window) _windowSum -= _windowConfidences[Generated - 1 - window];
        return Generated >= window && _windowSum / window < min;
    }

    /// <summary>The finished trace (text detokenized, cut before a stop string).</summary>
    public Trace ToTrace(FinishReason reason, TimeSpan decode)
    {
        var plan = Plan;
        var ids = Tokens.AsSpan(0, Count).ToArray();
        var text = plan.Model.Tokenizer.Decode(ids);
        if (reason == FinishReason.StopString)
        {
            var cut = -1;
            foreach (var s in plan.Options.StopStrings)
            {
                // Past injected text, as when matching: a stop string a tool wrote is not where the trace stopped.
                var at = text.IndexOf(s, Math.Clamp(_stopFloor - s.Length + 1, 0, text.Length), StringComparison.Ordinal);
                if (at >= 0 && (cut < 0 || at < cut)) cut = at;
            }

            if (cut >= 0) text = text[..cut];
        }

        return new Trace
        {
            Index = Index,
            Text = text,
            TokenIds = ids,
            TokenLogProbs = LogProbs.AsSpan(0, Count).ToArray(),
            TokenConfidences = Confidences.AsSpan(0, Count).ToArray(),
            TopLogProbs = Top is null ? null : Top.AsSpan(0, Math.Min(Steps, Top.Length)).ToArray(),
            FinishReason = reason,
            PromptTokens = plan.PromptTokens,
            DecodeSteps = Steps,
            Injected = Generated < Count ? _injected!.AsSpan(0, Count).ToArray() : null,
            ToolCalls = _injector?.ToolCalls is { Count: > 0 } calls ? [.. calls] : [],
            PrefillTime = plan.PrefillTime,
            DecodeTime = decode,
        };
    }
}
