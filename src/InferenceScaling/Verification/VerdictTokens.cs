namespace InferenceScaling.Verification;

/// <summary>
/// The token ids that start the two verdict words right after the verdict marker (with byte-level BPE, the tokens
/// of <c> correct</c> and <c> wrong</c> after <c>Verdict:</c>). With them a check's verdict is scored from the top
/// log-probabilities at the verdict position: p(correct) = p(correct token) / (p(correct token) + p(wrong token)).
/// </summary>
/// <param name="CorrectTokenId">First token of the "correct" verdict word.</param>
/// <param name="WrongTokenId">First token of the "wrong" verdict word.</param>
internal readonly record struct VerdictTokens(int CorrectTokenId, int WrongTokenId)
{
    /// <summary>
    /// Finds the ids with a tokenizer: the first token after the marker's own tokens in
    /// <c>marker + correctWord</c> and <c>marker + wrongWord</c>.
    /// </summary>
    /// <param name="encode">The model's tokenizer (a leading beginning-of-sequence id is fine: it is shared).</param>
    /// <param name="marker">The verdict marker, e.g. <c>Verdict:</c> (<see cref="VerdictParser.Marker"/>).</param>
    /// <param name="correctWord">The "correct" word as it follows the marker. Default <c> correct</c>.</param>
    /// <param name="wrongWord">The "wrong" word as it follows the marker. Default <c> wrong</c>.</param>
    /// <returns>The ids, or null when the words do not start with distinct tokens after the marker's tokens.</returns>
    public static VerdictTokens? FromTokenizer(Func<string, IReadOnlyList<int>> encode, string marker, string correctWord = " correct", string wrongWord = " wrong")
    {
        ArgumentNullException.ThrowIfNull(encode);
        ArgumentNullException.ThrowIfNull(marker);
        var m = encode(marker);
        var c = encode(marker + correctWord);
        var w = encode(marker + wrongWord);
        if (c.Count <= m.Count || w.Count <= m.Count) return null;
        for (var i = 0; i < m.Count; i++)
            if (c[i] != m[i] || w[i] != m[i]) return null;
        return c[m.Count] == w[m.Count] ? null : new VerdictTokens(c[m.Count], w[m.Count]);
    }
}
