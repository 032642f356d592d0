using System.Text;

namespace InferenceScaling.Arith;

/// <summary>
/// The exact text formats of the shipped model's three skills. Training data and the prompt templates in
/// <c>prompts/arith/</c> must agree with these byte for byte; a test pins that.
/// </summary>
public static class TaskFormat
{
    /// <summary>The verdict a check ends with when every step holds.</summary>
    public const string CorrectVerdict = "Verdict: correct";

    /// <summary>The prefix of a verdict that names a faulty step, followed by the 1-based step number.</summary>
    public const string WrongVerdictPrefix = "Verdict: wrong at step ";

    /// <summary>Solve prompt: <c>Q: {question}\nA:</c>.</summary>
    public static string SolvePrompt(string question) => $"Q: {question}\nA:";

    /// <summary>Check prompt: <c>Q: {question}\nS: {solution}\nCheck:</c>.</summary>
    public static string CheckPrompt(string question, string solution) => $"Q: {question}\nS: {solution}\nCheck:";

    /// <summary>Fix prompt: <c>Q: {question}\nS: {solution}\nCheck: {check}\nFix:</c>.</summary>
    public static string FixPrompt(string question, string solution, string check) => $"Q: {question}\nS: {solution}\nCheck: {check}\nFix:";

    /// <summary>Steps joined as <c>a+b=c. c*d=e. Answer: e</c>.</summary>
    public static string FormatSolution(IReadOnlyList<SolutionStep> steps)
    {
        var sb = new StringBuilder();
        foreach (var step in steps) sb.Append(step.ToString()).Append(". ");
        sb.Append("Answer: ").Append(steps[^1].Result);
        return sb.ToString();
    }

    /// <summary>
    /// The check of <paramref name="candidate"/> against the correct <paramref name="truth"/>: each step recomputed
    /// and marked <c>ok</c> until the first that differs, which is written correctly and marked <c>wrong</c>.
    /// </summary>
    public static string FormatCheck(IReadOnlyList<SolutionStep> truth, IReadOnlyList<SolutionStep> candidate, out int? errorStep)
    {
        var sb = new StringBuilder();
        errorStep = null;
        for (var i = 0; i < truth.Count; i++)
        {
            var same = i < candidate.Count && candidate[i] == truth[i];
            sb.Append(truth[i].ToString()).Append(same ? " ok. " : " wrong. ");
            if (!same) { errorStep = i + 1; break; }
        }

        if (errorStep is null && candidate.Count != truth.Count) errorStep = truth.Count;
        sb.Append(errorStep is null ? CorrectVerdict : WrongVerdictPrefix + errorStep.Value);
        return sb.ToString();
    }
}
