using System.Text.RegularExpressions;
using InferenceScaling.Prompts;
using InferenceScaling.Verification;

namespace InferenceScaling.Arith;

/// <summary>
/// A verdict by recomputation: compares the steps a check rewrites with the candidate solution's own steps, instead of
/// trusting the check's verdict words. For formats whose checks redo each step (arith's <c>46-36=10 ok.</c>) and a
/// model that recomputes well but has not learned to compare (it writes the right value, then "ok" anyway). Stateless
/// and thread-safe.
/// </summary>
/// <remarks>
/// Steps are the matches of the prompt set's <c>step_pattern</c>, compared with white space removed. The check's steps
/// are read up to its verdict (the whole text when it has none). Then, in order:
/// <list type="bullet">
/// <item>no step in the check: no verdict (<see cref="VerdictKind.None"/>);</item>
/// <item>the first step that differs: wrong at that step;</item>
/// <item>the check redid every candidate step alike and went on with more: wrong at the first extra step (the candidate
/// stopped early);</item>
/// <item>every candidate step redone alike: correct;</item>
/// <item>the check stopped before the candidate's last step with no difference: the check's own verdict stands.</item>
/// </list>
/// </remarks>
public static class StepComparison
{
    /// <summary>
    /// The comparison as a <see cref="CheckOptions.Recompute"/> hook over <paramref name="prompts"/>' step pattern, or
    /// null when the set has none (the check's own verdict then stands).
    /// </summary>
    /// <param name="prompts">The prompt set whose <see cref="PromptSet.StepPattern"/> splits steps.</param>
    public static Func<string, string, ParsedVerdict, ParsedVerdict>? For(PromptSet prompts)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        return prompts.StepPattern is { } step ? (candidate, checkText, written) => Compare(step, candidate, checkText, written) : null;
    }

    /// <summary>Compares <paramref name="checkText"/>'s steps with <paramref name="candidate"/>'s.</summary>
    /// <param name="step">The pattern of one step.</param>
    /// <param name="candidate">The candidate solution checked.</param>
    /// <param name="checkText">The check's text.</param>
    /// <param name="modelVerdict">The verdict the check wrote (its position bounds the steps read).</param>
    /// <returns>The verdict by comparison; its <see cref="ParsedVerdict.WordIndex"/> is the written verdict's.</returns>
    public static ParsedVerdict Compare(Regex step, string candidate, string checkText, ParsedVerdict modelVerdict)
    {
        ArgumentNullException.ThrowIfNull(step);
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(checkText);
        var mine = Steps(step, candidate);
        var redone = Steps(step, modelVerdict.WordIndex >= 0 ? checkText[..modelVerdict.WordIndex] : checkText);
        if (redone.Count == 0) return ParsedVerdict.None;
        var common = Math.Min(mine.Count, redone.Count);
        for (var i = 0; i < common; i++)
            if (!string.Equals(mine[i], redone[i], StringComparison.Ordinal))
                return new ParsedVerdict(VerdictKind.Wrong, i + 1, modelVerdict.WordIndex);
        if (redone.Count > mine.Count) return new ParsedVerdict(VerdictKind.Wrong, mine.Count + 1, modelVerdict.WordIndex);
        if (redone.Count == mine.Count) return new ParsedVerdict(VerdictKind.Correct, null, modelVerdict.WordIndex);
        return modelVerdict;
    }

    private static List<string> Steps(Regex step, string text)
    {
        var list = new List<string>();
        foreach (Match m in step.Matches(text))
        {
            var s = m.Value;
            list.Add(s.Any(char.IsWhiteSpace) ? string.Concat(s.Where(c => !char.IsWhiteSpace(c))) : s);
        }

        return list;
    }
}
