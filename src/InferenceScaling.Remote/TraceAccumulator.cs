using System.Text;
using InferenceScaling.Sampling;
using Trace = InferenceScaling.Sampling.Trace;

namespace InferenceScaling.Remote;

/// <summary>
/// Builds one remote trace from stream chunks exactly as a local trace is built: token ids, the tokens' log-probs,
/// the DeepConf confidence of each step (−mean of its top-k log-probs, k = <see cref="SamplingOptions.ConfidenceTopK"/>),
/// the top log-probs when asked for, and the DeepConf online window test. With tools a trace is several segments
/// (one request each, the later ones continuing after a tool's answer): offsets are per segment, injected tokens are
/// marked and kept out of the window, the new-token count and the stop-string cut.
/// </summary>
internal sealed class TraceAccumulator
{
    private readonly SamplingOptions _options;
    private readonly TraceControl? _control;
    private readonly int _window;
    private readonly List<int> _ids = [];
    private readonly List<float> _logProbs = [];
    private readonly List<float> _confidences = [];
    private readonly List<TokenLogProb[]>? _top;
    private readonly StringBuilder _text = new();
    private double _windowSum;

    /// <summary>Confidences of generated tokens only, for the DeepConf window.</summary>
    private readonly List<float> _windowConfidences = [];

    /// <summary>Where each token starts in the text (absolute), for <see cref="Piece"/> and <see cref="KeepTokens"/>.</summary>
    private readonly List<int> _starts = [];

    /// <summary>Per token, whether a tool injected it; null until the first injection.</summary>
    private List<bool>? _injected;

    /// <summary>Injected tokens so far.</summary>
    private int _injectedCount;

    /// <summary>Text offset where the current segment's text starts (its endpoint counts offsets from there).</summary>
    private int _segmentStart;

    /// <summary>The current request's first text offset, taken as the start of its text; null until its first token.</summary>
    private int? _offsetShift;

    /// <summary>Text length after the last injected text: a stop string must be found past it.</summary>
    private int _stopFloor;

    public TraceAccumulator(SamplingOptions options, TraceControl? control)
    {
        _options = options;
        _control = control;
        _window = control?.ConfidenceWindow ?? 8;
        if (options.TopLogProbs > 0) _top = [];
    }

    /// <summary>Set when the endpoint said why the trace ended.</summary>
    public FinishReason? Finish { get; set; }

    /// <summary>The prompt's tokens as the endpoint counted them (0 until its usage arrives).</summary>
    public int PromptTokens { get; set; }

    /// <summary>Generated tokens so far (injected ones not counted).</summary>
    public int Count => _ids.Count - _injectedCount;

    /// <summary>Tokens so far, generated and injected.</summary>
    public int TotalCount => _ids.Count;

    /// <summary>Tokens already shown to a tool injector (see <see cref="Piece"/>).</summary>
    public int Fed { get; set; }

    /// <summary>The text so far.</summary>
    public string Text => _text.ToString();

    /// <summary>The prompt tokens the first segment reported (the trace's own prompt); 0 until then.</summary>
    public int FirstPromptTokens { get; set; }

    /// <summary>Set when the DeepConf window fell below <see cref="TraceControl.MinWindowConfidence"/>: later tokens are dropped.</summary>
    public bool LowConfidence { get; private set; }

    /// <summary>
    /// Where the text is cut when tokens after a low-confidence window came in the same chunk (an endpoint that sends
    /// a whole trace at once): the text offset of the first dropped token. Null when nothing was dropped.
    /// </summary>
    public int? CutAt { get; private set; }

    /// <summary>Characters of token text seen so far (where offsets are not sent, as on chat).</summary>
    private int _chars;

    public void AppendText(string text) => _text.Append(text);

    /// <summary>
    /// Adds one generated token. <paramref name="top"/> holds the step's most likely tokens in any order (it may include
    /// the chosen one). <paramref name="textOffset"/> is where the token starts in the generated text (completions'
    /// <c>text_offset</c>), or null to count <paramref name="pieceLength"/> characters per token.
    /// </summary>
    public void AddToken(int id, float logProb, List<TokenLogProb> top, int? textOffset, int pieceLength)
    {
        // The first token of a request starts its text, whatever an endpoint counts offsets from (vLLM: the generated
        // text; others may count the prompt in).
        var start = textOffset is { } o ? _segmentStart + o - (_offsetShift ??= o) : _chars;
        _chars = start + pieceLength;
        if (LowConfidence)
        {
            CutAt ??= start;
            return;
        }

        top.Sort(static (a, b) => b.LogProb.CompareTo(a.LogProb));
        var k = Math.Min(_options.ConfidenceTopK, top.Count);
        float sum = 0;
        for (var i = 0; i < k; i++) sum += top[i].LogProb;
        var confidence = k == 0 ? 0 : -sum / k;
        _ids.Add(id);
        _logProbs.Add(logProb);
        _confidences.Add(confidence);
        _starts.Add(start);
        _injected?.Add(false);
        if (_top is not null)
        {
            var keep = new TokenLogProb[Math.Min(_options.TopLogProbs, top.Count)];
            for (var i = 0; i < keep.Length; i++) keep[i] = top[i];
            _top.Add(keep);
        }

        if (_control?.MinWindowConfidence is { } min)
        {
            _windowSum += confidence;
            _windowConfidences.Add(confidence);
            var n = _windowConfidences.Count;
            if (n > _window) _windowSum -= _windowConfidences[n - 1 - _window];
            if (n >= _window && _windowSum / _window < min) LowConfidence = true;
        }
    }

    /// <summary>The text of token <paramref name="k"/> (from its start to the next token's, or to the text's end).</summary>
    public string Piece(int k)
    {
        var end = k + 1 < _starts.Count ? _starts[k + 1] : _text.Length;
        var start = Math.Min(_starts[k], _text.Length);
        return _text.ToString(start, Math.Max(0, Math.Min(end, _text.Length) - start));
    }

    /// <summary>Drops the tokens after the first <paramref name="count"/> and the text after the last one kept (a tool call ended there).</summary>
    public void KeepTokens(int count)
    {
        if (count >= _ids.Count) return;
        _text.Length = Math.Min(_text.Length, _starts[count]);
        var drop = _ids.Count - count;
        _ids.RemoveRange(count, drop);
        _logProbs.RemoveRange(count, drop);
        _confidences.RemoveRange(count, drop);
        _starts.RemoveRange(count, drop);
        _top?.RemoveRange(count, drop);
        _injected?.RemoveRange(count, drop);
        Fed = Math.Min(Fed, count);
    }

    /// <summary>
    /// Appends a tool's answer: its text and its tokens, marked injected (log-prob and confidence 0, no top list
    /// entries), then starts a new segment, whose endpoint counts text offsets from the end of this text.
    /// </summary>
    public void AddInjected(string text, ReadOnlySpan<int> ids)
    {
        _injected ??= [.. new bool[_ids.Count]];
        var start = _text.Length;
        _text.Append(text);
        foreach (var id in ids)
        {
            _ids.Add(id);
            _logProbs.Add(0);
            _confidences.Add(0);
            _starts.Add(start);
            _top?.Add([]);
            _injected.Add(true);
            _injectedCount++;
        }

        Fed = _ids.Count;
        _stopFloor = _text.Length;
        StartSegment();
    }

    /// <summary>Starts the next request's segment: text offsets count from here, and its finish is not known yet.</summary>
    public void StartSegment()
    {
        _segmentStart = _text.Length;
        _chars = _text.Length;
        _offsetShift = null;
        Finish = null;
    }

    public Trace ToTrace(int index, FinishReason reason, TimeSpan decode, IReadOnlyList<ToolCall>? toolCalls = null)
    {
        var text = _text.ToString();
        if (CutAt is { } cut && cut < text.Length) text = text[..cut];
        if (reason == FinishReason.StopString)
        {
            // Endpoints drop the stop string already; cut here too in case one did not (past injected text: a stop
            // string a tool wrote is not where the trace stopped).
            foreach (var s in _options.StopStrings)
            {
                var at = text.IndexOf(s, Math.Clamp(_stopFloor - s.Length + 1, 0, text.Length), StringComparison.Ordinal);
                if (at >= 0) text = text[..at];
            }
        }

        return new Trace
        {
            Index = index,
            Text = text,
            TokenIds = _ids.ToArray(),
            TokenLogProbs = _logProbs.ToArray(),
            TokenConfidences = _confidences.ToArray(),
            TopLogProbs = _top?.ToArray(),
            FinishReason = reason,
            PromptTokens = PromptTokens,
            DecodeSteps = _ids.Count + (reason == FinishReason.EndOfSequence ? 1 : 0),
            DecodeTime = decode,
            Injected = _injectedCount > 0 ? _injected!.ToArray() : null,
            ToolCalls = toolCalls is { Count: > 0 } ? [.. toolCalls] : [],
        };
    }
}
