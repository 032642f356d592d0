using System.Text;
using InferenceScaling.Sampling;
using Trace = InferenceScaling.Sampling.Trace;

namespace InferenceScaling.Runtime;

/// <summary>
/// One trace being decoded: its random stream, buffers sized for its token limit (allocated once when it joins), and
/// the per-token logic that draws a token and decides whether the trace has ended. Shared by
/// <see cref="OnnxTraceGenerator"/> and the continuous-batching scheduler so both produce identical traces.
/// </summary>
internal sealed class TraceRow
{
    /// <summary>The request-wide settings.</summary>
    public readonly DecodePlan Plan;

    /// <summary>Trace index (the random stream's index).</summary>
    public readonly int Index;

    /// <summary>The row's random stream, seeded by (seed, index) only.</summary>
    public RowRandom Random;

    /// <summary>Generated ids.</summary>
    public readonly int[] Tokens;

    /// <summary>Log-probability per generated id.</summary>
    public readonly float[] LogProbs;

    /// <summary>Confidence per generated id.</summary>
    public readonly float[] Confidences;

    /// <summary>Top log-probabilities per step, when asked for.</summary>
    public readonly TokenLogProb[][]? Top;

    /// <summary>Generated tokens so far.</summary>
    public int Count;

    /// <summary>Decode steps so far (generated tokens plus an end-of-sequence token).</summary>
    public int Steps;

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
        Tokens = new int[plan.MaxTokens];
        LogProbs = new float[plan.MaxTokens];
        Confidences = new float[plan.MaxTokens];
        if (options.TopLogProbs > 0)
        {
            Top = new TokenLogProb[plan.MaxTokens + 1][];
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
        var options = plan.Options;
        var top = Top is null ? Span<TokenLogProb>.Empty : Top[Count].AsSpan();
        var token = sampler.Sample(logits, options, ref Random, out var logProb, out var confidence, top);
        Steps++;
        if (!options.IgnoreEndOfSequence && plan.Model.Signature.EndOfSequenceIds.Contains(token)) return FinishReason.EndOfSequence;
        Tokens[Count] = token;
        LogProbs[Count] = logProb;
        Confidences[Count] = confidence;
        Count++;
        next = token;
        if (plan.Pieces is not null && HitsStop(plan.Pieces[token], options.StopStrings, plan.MaxStop)) return FinishReason.StopString;
        if (Count >= plan.MaxTokens) return FinishReason.Length;
        if (plan.Control?.MinWindowConfidence is { } min && WindowConfidenceBelow(confidence, plan.Window, min)) return FinishReason.LowConfidence;
        return null;
    }

    private bool HitsStop(string piece, IReadOnlyList<string> stops, int maxStop)
    {
        _text ??= new StringBuilder();
        _text.Append(piece);
        var from = Math.Max(0, _text.Length - piece.Length - maxStop);
        for (var s = 0; s < stops.Count; s++)
        {
            var stop = stops[s];
            for (var i = from; i + stop.Length <= _text.Length; i++)
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
        if (Count > window) _windowSum -= Confidences[Count - 1 - window];
        return Count >= window && _windowSum / window < min;
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
                var at = text.IndexOf(s, StringComparison.Ordinal);
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
            PrefillTime = plan.PrefillTime,
            DecodeTime = decode,
        };
    }
}
