namespace InferenceScaling.Evaluation;

/// <summary>The result of <see cref="Contamination"/>: which eval problems share word n-grams with training text.</summary>
/// <param name="N">The n-gram length in words.</param>
/// <param name="EvalProblems">How many eval problems were checked.</param>
/// <param name="TrainingTexts">How many training text fields were scanned.</param>
/// <param name="TrainingNGrams">How many training n-grams (by position) were scanned.</param>
/// <param name="Hits">The overlapping eval problems, in eval-set order.</param>
public sealed record ContaminationReport(int N, int EvalProblems, long TrainingTexts, long TrainingNGrams, IReadOnlyList<ContaminationHit> Hits)
{
    /// <summary>The one-line verdict, e.g. <c>3 of 300 eval problems overlap (13-grams)</c>.</summary>
    public string Summary => $"{Hits.Count} of {EvalProblems} eval problems overlap ({N}-grams)";
}
