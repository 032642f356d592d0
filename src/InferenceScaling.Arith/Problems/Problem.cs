namespace InferenceScaling.Arith;

/// <summary>A generated word problem with its worked solution.</summary>
/// <param name="Id">Stable identifier: generator version, seed and index.</param>
/// <param name="Question">The word problem.</param>
/// <param name="Steps">The worked solution, one operation per step.</param>
/// <param name="Difficulty">The settings it was drawn with.</param>
public sealed record Problem(string Id, string Question, IReadOnlyList<SolutionStep> Steps, ProblemDifficulty Difficulty)
{
    /// <summary>The final answer: the last step's result.</summary>
    public long Answer => Steps[^1].Result;

    /// <summary>The worked solution in the shipped model's format, e.g. <c>12+7=19. 19*3=57. Answer: 57</c>.</summary>
    public string Solution => TaskFormat.FormatSolution(Steps);
}
