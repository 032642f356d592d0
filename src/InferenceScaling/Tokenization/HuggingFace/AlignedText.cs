using System.Text;

namespace InferenceScaling.Tokenization.HuggingFace;

/// <summary>
/// Text on its way through the tokenizer.json pipeline, with the range of the original input each of its chars came
/// from, so offsets survive normalizers and byte-level mapping.
/// </summary>
internal sealed class AlignedText
{
    public AlignedText(string text, int[] starts, int[] ends)
    {
        Text = text;
        Starts = starts;
        Ends = ends;
    }

    /// <summary>The current text.</summary>
    public string Text { get; }

    /// <summary>For each char of <see cref="Text"/>, where its source starts in the original input.</summary>
    public int[] Starts { get; }

    /// <summary>For each char of <see cref="Text"/>, where its source ends in the original input (exclusive).</summary>
    public int[] Ends { get; }

    public int Length => Text.Length;

    /// <summary>Where this text begins in the original input.</summary>
    public int OriginStart => Starts.Length > 0 ? Starts[0] : _emptyAt;

    /// <summary>Where an empty text sits in the original input.</summary>
    private int _emptyAt;

    /// <summary>A piece of the original input, each char mapped to itself.</summary>
    public static AlignedText Original(string input, int start, int end)
    {
        var n = end - start;
        var starts = new int[n];
        var ends = new int[n];
        for (var i = 0; i < n; i++)
        {
            starts[i] = start + i;
            ends[i] = start + i + 1;
        }

        return new AlignedText(input.Substring(start, n), starts, ends) { _emptyAt = start };
    }

    /// <summary>Chars [start, end) of this text, alignment kept.</summary>
    public AlignedText Slice(int start, int end)
    {
        if (start == 0 && end == Length) return this;
        return new AlignedText(Text[start..end], Starts[start..end], Ends[start..end])
        {
            _emptyAt = start < Length ? Starts[start] : Length > 0 ? Ends[^1] : _emptyAt,
        };
    }

    /// <summary>Builds a new aligned text char by char.</summary>
    internal sealed class Builder(int capacity)
    {
        private readonly StringBuilder _text = new(capacity);
        private readonly List<int> _starts = new(capacity);
        private readonly List<int> _ends = new(capacity);

        public void Append(char c, int start, int end)
        {
            _text.Append(c);
            _starts.Add(start);
            _ends.Add(end);
        }

        public void Append(string s, int start, int end)
        {
            foreach (var c in s) Append(c, start, end);
        }

        public AlignedText Build(int emptyAt) => new(_text.ToString(), [.. _starts], [.. _ends]) { _emptyAt = emptyAt };
    }
}
