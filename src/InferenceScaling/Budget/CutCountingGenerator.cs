using System.Runtime.CompilerServices;
using InferenceScaling.Sampling;

namespace InferenceScaling;

/// <summary>
/// The generator the stages decode on (<see cref="Solving.SolverServices.Decoder"/>). Outside a
/// <see cref="GenerationCut"/> it passes through. Inside one, it decodes under the caller's token and cuts at the deadline
/// through the request's <see cref="TraceControl"/>: the inner generator yields the cut traces with what they had
/// generated, which are counted in the cut and not passed on, and the call then throws
/// <see cref="OperationCanceledException"/> on the deadline as a cancelled token would have.
/// </summary>
internal sealed class CutCountingGenerator(ITraceGenerator inner) : DelegatingTraceGenerator(inner)
{
    public override async IAsyncEnumerable<Trace> GenerateAsync(TraceRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (GenerationCut.Current is not { } cut)
        {
            await foreach (var t in InnerGenerator.GenerateAsync(request, cancellationToken).ConfigureAwait(false)) yield return t;
            yield break;
        }

        var control = request.Control ?? new TraceControl();
        using var registration = cut.Deadline.Register(static c => ((TraceControl)c!).CancelAll(), control);
        cut.CountPrompt(InnerGenerator.CountTokens(request.Prompt));
        await foreach (var t in InnerGenerator.GenerateAsync(request with { Control = control }, cut.Caller).ConfigureAwait(false))
        {
            cut.Count(t);
            if (!cut.Deadline.IsCancellationRequested) yield return t;
        }

        cut.Deadline.ThrowIfCancellationRequested();
    }
}
