using System.Globalization;
using InferenceScaling.Solving;

namespace InferenceScaling.Refinement;

/// <summary>
/// Whether refinement runs: there is an answer, the deadline has not passed, and the vote is not decisive (share below
/// <see cref="RefinementOptions.DecisiveShare"/> or confidence below <see cref="RefinementOptions.DecisiveConfidence"/>).
/// </summary>
internal sealed class RefinementGate(RefinementOptions options)
{
    /// <summary>The decision, and the same in words (with the figures) for the record.</summary>
    public (GateDecision Decision, string Reason) Decide(Solution solution, BudgetMeter meter)
    {
        var inv = CultureInfo.InvariantCulture;
        if (solution.WinningTrace is null || solution.AnswerKey is null) return (GateDecision.NoAnswer, "no answer to refine");
        if (meter.DeadlinePassed) return (GateDecision.DeadlinePassed, "the deadline has passed");
        if (solution.VoteShare < options.DecisiveShare)
            return (GateDecision.ShareBelowThreshold, string.Create(inv, $"vote share {solution.VoteShare:P0} < {options.DecisiveShare:P0}"));
        if (solution.Confidence < options.DecisiveConfidence)
            return (GateDecision.ConfidenceBelowThreshold, string.Create(inv, $"confidence {solution.Confidence:F3} < {options.DecisiveConfidence:F3}"));
        return (GateDecision.DecisiveVote, string.Create(inv,
            $"decisive vote: share {solution.VoteShare:P0} ≥ {options.DecisiveShare:P0} and confidence {solution.Confidence:F3} ≥ {options.DecisiveConfidence:F3}"));
    }

    /// <summary>Whether <paramref name="decision"/> lets refinement run.</summary>
    public static bool Opens(GateDecision decision) => decision is GateDecision.ShareBelowThreshold or GateDecision.ConfidenceBelowThreshold;
}
