using System.Text;
using InferenceScaling.Sampling;
using Trace = InferenceScaling.Sampling.Trace;

namespace InferenceScaling.Remote;

/// <summary>
/// Builds one remote trace from stream chunks exactly as a local trace is built: token ids, the tokens' log-probs,
/// the DeepConf confidence of each step (−mean of its top-k log-probs, k = <see cref="SamplingOptions.ConfidenceTopK"/>),
/// the top log-probs when asked for, and the DeepConf online window test.
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

    /// <summary>Generated tokens so far.</summary>
    public int Count => _ids.Count;

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
        var start = textOffset ?? _chars;
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
        if (_top is not null)
        {
            var keep = new TokenLogProb[Math.Min(_options.TopLogProbs, top.Count)];
            for (var i = 0; i < keep.Length; i++) keep[i] = top[i];
            _top.Add(keep);
        }

        if (_control?.MinWindowConfidence is { } min)
        {
            _windowSum += confidence;
            var n = _confidences.Count;
            if (n > _window) _windowSum -= _confidences[n - 1 - _window];
            if (n >= _window && _windowSum / _window < min) LowConfidence = true;
        }
    }

    public Trace ToTrace(int index, FinishReason reason, TimeSpan decode)
    {
        var text = _text.ToString();
        if (CutAt is { } cut && cut < text.Length) text = text[..cut];
        if (reason == FinishReason.StopString)
        {
            // Endpoints drop the stop string already; cut here too in case one did not.
            foreach (var s in _options.StopStrings)
            {
                var at = text.IndexOf(s, StringComparison.Ordinal);
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
        };
    }
}
