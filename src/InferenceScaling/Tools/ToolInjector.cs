using InferenceScaling.Sampling;

namespace InferenceScaling.Tools;

/// <summary>
/// Watches one trace for a <see cref="ToolSet"/>'s triggers and answers them. Per token it stores the id and looks
/// up one table entry; only when a token can end a call does it rebuild the trace's tail (into a buffer allocated once)
/// and match the trigger's pattern, and only a match allocates (the expression, the answer, its ids, the record).
/// Remote decoders feed it text instead (<see cref="OnText"/>): it keeps the trace's recent characters and tests the
/// same triggers when a piece ends with a trigger's last character.
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

    /// <summary>The trace's recent text, in text mode (<see cref="OnText"/>); null until then.</summary>
    private char[]? _text;

    /// <summary>Characters in <see cref="_text"/>.</summary>
    private int _textLength;

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

    /// <inheritdoc />
    public string? OnText(string piece, out ReadOnlySpan<int> tokenIds)
    {
        tokenIds = default;
        _count++;
        AppendText(piece);
        if (piece.Length == 0) return null;
        var triggers = _set.Triggers;
        var last = piece[^1];
        for (var t = 0; t < triggers.Count; t++)
        {
            var trigger = triggers[t];
            if (trigger.End[^1] != last) continue;
            var chars = Math.Min(trigger.Lookback + trigger.End.Length, _textLength);
            if (TryMatch(t, _text!.AsSpan(_textLength - chars, chars)) is not { } answer) continue;
            _count += _answer.Length;
            AppendText(answer);
            tokenIds = _answer;
            return answer;
        }

        return null;
    }

    private ReadOnlySpan<int> TryCall(uint bits)
    {
        var triggers = _set.Triggers;
        for (var t = 0; t < triggers.Count; t++)
        {
            if ((bits & (1u << t)) == 0) continue;
            var trigger = triggers[t];
            if (TryMatch(t, Tail(trigger.Lookback + trigger.End.Length)) is not null) return _answer;
        }

        return default;
    }

    /// <summary>
    /// When <paramref name="tail"/> ends like a call of trigger <paramref name="t"/>: runs the tool, keeps the answer's
    /// ids in <see cref="_answer"/>, records the call and returns the answer's text; otherwise null.
    /// </summary>
    private string? TryMatch(int t, ReadOnlySpan<char> tail)
    {
        var trigger = _set.Triggers[t];
        if (!tail.EndsWith(trigger.End, StringComparison.Ordinal)) return null;
        // Everything below runs only when the text really ends like a call.
        System.Text.RegularExpressions.Match match;
        try { match = trigger.Pattern.Match(tail.ToString()); }
        catch (System.Text.RegularExpressions.RegexMatchTimeoutException) { return null; }
        if (!match.Success || match.Index + match.Length != tail.Length) return null;
        var (expression, result) = trigger.Run(match.Groups["expression"].Value, _set.Calculator, _set.FunctionNames[t]);
        var answer = trigger.Render(result);
        _answer = _set.Encode(answer);
        (_calls ??= []).Add(new ToolCall(trigger.Tool, expression, result.Text, _count, _answer.Length, result.IsError));
        return answer;
    }

    /// <summary>Appends text to <see cref="_text"/> (text mode), keeping at least the last <see cref="ToolSet.TailCapacity"/> characters.</summary>
    private void AppendText(string piece)
    {
        var capacity = _tail.Length;
        _text ??= new char[Math.Max(2 * capacity, 64)];
        if (piece.Length >= capacity)
        {
            piece.AsSpan(piece.Length - capacity).CopyTo(_text);
            _textLength = capacity;
            return;
        }

        if (_textLength + piece.Length > _text.Length)
        {
            // Slide: keep what a pattern can still see.
            var keep = Math.Min(_textLength, capacity);
            _text.AsSpan(_textLength - keep, keep).CopyTo(_text);
            _textLength = keep;
        }

        piece.CopyTo(_text.AsSpan(_textLength));
        _textLength += piece.Length;
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
