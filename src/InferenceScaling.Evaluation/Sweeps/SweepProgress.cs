namespace InferenceScaling.Evaluation;

/// <summary>Where a running sweep stands, reported after each finished problem (<see cref="SweepOptions.Progress"/>).</summary>
/// <param name="Done">Problems finished, those skipped on resume included.</param>
/// <param name="Total">Problems in the run.</param>
/// <param name="Resumed">Problems skipped because an earlier run had finished them.</param>
/// <param name="Traces">Traces generated in this run (pool and strategies together).</param>
/// <param name="GeneratedTokens">Tokens generated in this run.</param>
/// <param name="Elapsed">Wall time since this run started.</param>
/// <param name="LastProblemId">The problem that just finished, or null for the report made before any ran.</param>
public sealed record SweepProgress(int Done, int Total, int Resumed, long Traces, long GeneratedTokens, TimeSpan Elapsed, string? LastProblemId)
{
    /// <summary>Problems finished in this run (not skipped).</summary>
    public int RanThisSession => Done - Resumed;

    /// <summary>Traces per second in this run (0 before any time has passed).</summary>
    public double TracesPerSecond => Elapsed > TimeSpan.Zero ? Traces / Elapsed.TotalSeconds : 0;

    /// <summary>Generated tokens per second in this run (0 before any time has passed).</summary>
    public double TokensPerSecond => Elapsed > TimeSpan.Zero ? GeneratedTokens / Elapsed.TotalSeconds : 0;

    /// <summary>Estimated time left at this run's pace, or null before a problem has finished.</summary>
    public TimeSpan? EstimatedRemaining => RanThisSession > 0 ? Elapsed * ((double)(Total - Done) / RanThisSession) : null;
}
