using System.Runtime.CompilerServices;
using System.Threading.Channels;
using InferenceScaling.Sampling;

namespace InferenceScaling.Server;

/// <summary>
/// A trace generator that passes every trace through from the one it wraps and counts them, so a stream can tell its
/// client how far the vote has got while the answer is not yet known. Thread-safe: traces may finish on any thread.
/// </summary>
internal sealed class TraceProgress(ITraceGenerator inner) : DelegatingTraceGenerator(inner)
{
    /// <summary>
    /// One pending "something changed" signal at most: a reader that falls behind reads the latest counts once
    /// instead of a backlog, and the decode loop never waits on a slow client.
    /// </summary>
    private readonly Channel<bool> _changed = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
    });

    /// <summary>Traces final so far.</summary>
    private int _traces;

    /// <summary>Tokens those traces generated.</summary>
    private long _tokens;

    /// <summary>Traces final so far (finished, stopped at a limit or cancelled).</summary>
    public int Traces => Volatile.Read(ref _traces);

    /// <summary>Tokens the final traces generated.</summary>
    public long GeneratedTokens => Interlocked.Read(ref _tokens);

    /// <summary>
    /// Signals after each final trace, and completes after <see cref="Complete"/>. Since a signal is read after the
    /// counts it announces were raised, the counts read after the last signal are the final ones.
    /// </summary>
    public ChannelReader<bool> Changes => _changed.Reader;

    /// <inheritdoc />
    public override async IAsyncEnumerable<Trace> GenerateAsync(TraceRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var trace in InnerGenerator.GenerateAsync(request, cancellationToken).ConfigureAwait(false))
        {
            Interlocked.Add(ref _tokens, trace.GeneratedTokens);
            Interlocked.Increment(ref _traces);
            _changed.Writer.TryWrite(true);
            yield return trace;
        }
    }

    /// <summary>Ends <see cref="Changes"/> (the work is over).</summary>
    public void Complete() => _changed.Writer.TryComplete();
}
