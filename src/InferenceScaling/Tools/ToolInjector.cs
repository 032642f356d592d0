using InferenceScaling.Sampling;

namespace InferenceScaling.Tools;

/// <summary>
/// Watches one trace for a <see cref="ToolSet"/>'s triggers and answers them. Per token it stores the id and looks
/// up one table entry; only when a token can end a call does it rebuild the trace's tail (into a buffer allocated once)
/// and match the trigger's pattern, and only a match allocates (the expression, the answer, its ids, the record).
/// </summary>
internal sealed class ToolInjector : ITokenInjector
{
    /// <summary>The tool set (shared, immutable).</summary>
    private readonly ToolSet _set;

    /// <summary>Every token of the trace so far, generated and injected.</summary>
    private int[] _history = new int[256];

    /// <summary>Tokens in <see cref="_history"/>.</summary>
    private int _count;

    /// <summary>The trace's tail, rebuilt when a token can end a call.</summary>
    private readonly char[] _tail;

    /// <summary>The last answer's ids (kept so the returned span stays valid until the next call).</summary>
    private int[] _answer = [];

    /// <summary>Calls so far; null until the first.</summary>
    private List<ToolCall>? _calls;

    public ToolInjector(ToolSet set)
    {
        _set = set;
        _tail = new char[set.TailCapacity];
    }

    /// <inheritdoc />
    public IReadOnlyList<ToolCall> ToolCalls => _calls is null ? [] : _calls;

    /// <inheritdoc />
    public ReadOnlySpan<int> OnToken(int tokenId, bool injected)
    {
        if (_count == _history.Length) Array.Resize(ref _history, _count * 2);
        _history[_count++] = tokenId;
        // A tool's own output never calls a tool.
        if (injected) return default;
        var bits = _set.CandidateBits(tokenId);
        return bits == 0 ? default : TryCall(bits);
    }

    private ReadOnlySpan<int> TryCall(uint bits)
    {
        var triggers = _set.Triggers;
        for (var t = 0; t < triggers.Count; t++)
        {
            if ((bits & (1u << t)) == 0) continue;
            var trigger = triggers[t];
            var tail = Tail(trigger.Lookback + trigger.End.Length);
            if (!tail.EndsWith(trigger.End, StringComparison.Ordinal)) continue;
            // Everything below runs only when the text really ends like a call.
            System.Text.RegularExpressions.Match match;
            try { match = trigger.Pattern.Match(tail.ToString()); }
            catch (System.Text.RegularExpressions.RegexMatchTimeoutException) { continue; }
            if (!match.Success || match.Index + match.Length != tail.Length) continue;
            var expression = match.Groups["expression"].Value;
            var result = _set.Calculator.Evaluate(expression);
            _answer = _set.Encode(trigger.Render(result));
            (_calls ??= []).Add(new ToolCall(trigger.Tool, expression, result.Text, _count, _answer.Length, result.IsError));
            return _answer;
        }

        return default;
    }

    /// <summary>The last (at most) <paramref name="chars"/> characters of the trace, in the reused buffer.</summary>
    private ReadOnlySpan<char> Tail(int chars)
    {
        chars = Math.Min(chars, _tail.Length);
        var length = 0;
        var first = _count;
        while (first > 0 && length < chars)
        {
            first--;
            length += _set.Piece(_history[first]).Length;
        }

        // Copy forward from the first token needed; drop what the first piece has beyond the window.
        var skip = Math.Max(0, length - chars);
        var at = 0;
        for (var i = first; i < _count; i++)
        {
            var piece = _set.Piece(_history[i]).AsSpan();
            if (skip > 0)
            {
                var drop = Math.Min(skip, piece.Length);
                piece = piece[drop..];
                skip -= drop;
            }

            piece.CopyTo(_tail.AsSpan(at));
            at += piece.Length;
        }

        return _tail.AsSpan(0, at);
    }
}
