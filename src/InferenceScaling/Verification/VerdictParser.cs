using System.Text.RegularExpressions;
using InferenceScaling.Prompts;

namespace InferenceScaling.Verification;

/// <summary>
/// Reads the verdict a check ends with, using a prompt set's verdict texts. Immutable and thread-safe.
/// </summary>
/// <remarks>
/// <para>The <em>first</em> verdict in the text counts: a model that runs on past its verdict (no end-of-sequence) may
/// write more, and what it committed to first is its answer.</para>
/// <para>A "correct" verdict must be followed by the end of the text or a non-letter, so <c>Verdict: correctly</c>
/// or <c>Verdict: correctness unclear</c> is not a verdict. Anything that matches neither verdict — empty text, a
/// check cut off before its verdict, <c>Verdict: maybe</c> — is <see cref="VerdictKind.None"/>, never correct.</para>
/// </remarks>
internal sealed class VerdictParser
{
    private readonly string _correct;

    /// <summary>The "wrong" verdict pattern (group 1, when present, is the step).</summary>
    private readonly Regex _wrong;

    /// <summary>Length of the marker both verdicts start with (e.g. <c>Verdict:</c>), so the verdict word can be located.</summary>
    private readonly int _markerLength;

    /// <summary>Creates a parser.</summary>
    /// <param name="correctVerdict">The text of a "correct" verdict, e.g. <c>Verdict: correct</c>.</param>
    /// <param name="wrongVerdict">The pattern of a "wrong" verdict; its first group, when present, is the faulty step.</param>
    /// <exception cref="ArgumentException"><paramref name="correctVerdict"/> is empty.</exception>
    public VerdictParser(string correctVerdict, Regex wrongVerdict)
    {
        ArgumentException.ThrowIfNullOrEmpty(correctVerdict);
        ArgumentNullException.ThrowIfNull(wrongVerdict);
        _correct = correctVerdict;
        _wrong = wrongVerdict;
        // The marker is the text up to and including the last ':' of the correct verdict ("Verdict:"), or up to its
        // last space; the verdict word (with its leading space, which byte-level BPE puts in the word's token) follows.
        var colon = correctVerdict.LastIndexOf(':');
        var space = correctVerdict.LastIndexOf(' ');
        _markerLength = colon >= 0 ? colon + 1 : space >= 0 ? space : 0;
    }

    /// <summary>A parser for a prompt set's verdicts.</summary>
    /// <param name="prompts">The prompt set.</param>
    /// <returns>The parser.</returns>
    public static VerdictParser For(PromptSet prompts)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        return new VerdictParser(prompts.VerdictCorrect, prompts.VerdictWrong);
    }

    /// <summary>The marker both verdicts start with (e.g. <c>Verdict:</c>).</summary>
    public string Marker => _correct[.._markerLength];

    /// <summary>Reads the first verdict in <paramref name="checkText"/>.</summary>
    /// <param name="checkText">What the check generated.</param>
    /// <returns>The verdict, or <see cref="ParsedVerdict.None"/>.</returns>
    public ParsedVerdict Parse(string checkText)
    {
        ArgumentNullException.ThrowIfNull(checkText);
        var correctAt = -1;
        for (var from = 0; from <= checkText.Length - _correct.Length;)
        {
            var at = checkText.IndexOf(_correct, from, StringComparison.Ordinal);
            if (at < 0) break;
            var end = at + _correct.Length;
            if (end == checkText.Length || !char.IsLetterOrDigit(checkText[end])) { correctAt = at; break; }
            from = at + 1;
        }

        Match wrong;
        try { wrong = _wrong.Match(checkText); }
        catch (RegexMatchTimeoutException) { wrong = Match.Empty; }

        if (wrong.Success && (correctAt < 0 || wrong.Index < correctAt))
        {
            int? step = wrong.Groups.Count > 1 && wrong.Groups[1].Success && int.TryParse(wrong.Groups[1].ValueSpan, out var k) ? k : null;
            return new ParsedVerdict(VerdictKind.Wrong, step, wrong.Index + Math.Min(_markerLength, wrong.Length));
        }

        return correctAt >= 0 ? new ParsedVerdict(VerdictKind.Correct, null, correctAt + _markerLength) : ParsedVerdict.None;
    }
}
