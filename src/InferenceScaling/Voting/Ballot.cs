using InferenceScaling.Answers;
using InferenceScaling.Sampling;

namespace InferenceScaling.Voting;

/// <summary>One trace as a voter: the trace, the answer read from it, and the key of the answer group it votes for.</summary>
/// <param name="Trace">The trace.</param>
/// <param name="Answer">The answer read from the trace, or null when it holds none.</param>
/// <param name="Key">
/// The answer group this ballot votes for (the canonical key of its answer, or of an earlier equivalent answer), or
/// null when the ballot casts no vote: no answer, or a trace the solver does not let vote (cancelled, stopped for low
/// confidence). <see cref="Answer"/> may be set on a ballot that casts no vote, for inspection.
/// </param>
public sealed record Ballot(Trace Trace, ExtractedAnswer? Answer, string? Key)
{
    /// <summary>Whether this ballot votes (<see cref="Key"/> is set).</summary>
    public bool CastsVote => Key is not null;
}
