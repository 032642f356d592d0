using System.Globalization;

using InferenceScaling.Answers;

namespace InferenceScaling.Evaluation;

/// <summary>Totals of a grading run.</summary>
/// <param name="Total">Lines graded.</param>
/// <param name="Correct">Lines whose prediction was correct.</param>
public sealed record GradingSummary(int Total, int Correct)
{
    /// <summary><see cref="Correct"/> / <see cref="Total"/>; 0 when nothing was graded.</summary>
    public double Accuracy => Total == 0 ? 0 : (double)Correct / Total;

    /// <summary><c>accuracy 0.8125 (13/16)</c>.</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"accuracy {Accuracy:F4} ({Correct}/{Total})");
}
