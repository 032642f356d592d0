namespace InferenceScaling.Runtime;

/// <summary>
/// Runs a scorer's passes under someone else's row admission (the continuous-batching scheduler), so scoring and
/// decoding take turns on the model instead of competing for it.
/// </summary>
internal interface IScoringAdmission
{
    /// <summary>Queues <paramref name="work"/>; completes with its scores once every pass has run.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired before the last pass.</exception>
    /// <exception cref="ObjectDisposedException">The admission was shut down first.</exception>
    Task<Sampling.ContinuationScore[]> ScoreAsync(ScoringWork work, CancellationToken cancellationToken);
}
