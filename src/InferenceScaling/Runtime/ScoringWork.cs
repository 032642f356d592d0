using InferenceScaling.Sampling;
using Microsoft.ML.OnnxRuntime;

namespace InferenceScaling.Runtime;

/// <summary>
/// One scoring call's continuations, encoded and sorted by length (similar lengths share a pass, so little of it is
/// padding), run pass by pass: all at once by <see cref="RunAll"/>, or a pass at a time by whoever admits its rows.
/// </summary>
/// <remarks>Not thread-safe: one thread runs its passes.</remarks>
internal sealed class ScoringWork
{
    /// <summary>The scorer whose passes these are.</summary>
    private readonly OnnxContinuationScorer _scorer;

    /// <summary>Token ids and prompt length per item, in the caller's order.</summary>
    private readonly (int[] Ids, int PromptLength)[] _encoded;

    /// <summary>Item indices sorted by length: the order passes take them in.</summary>
    private readonly int[] _order;

    /// <summary>Scores per item, filled as passes run.</summary>
    private readonly ContinuationScore[] _results;

    /// <summary>Top log-probabilities kept per position.</summary>
    private readonly int _top;

    public ScoringWork(OnnxContinuationScorer scorer, (int[] Ids, int PromptLength)[] encoded, int top)
    {
        _scorer = scorer;
        _encoded = encoded;
        _top = top;
        _results = new ContinuationScore[encoded.Length];
        _order = new int[encoded.Length];
        for (var i = 0; i < _order.Length; i++) _order[i] = i;
        Array.Sort(_order, (a, b) => encoded[a].Ids.Length.CompareTo(encoded[b].Ids.Length));
    }

    /// <summary>Items (rows) to score.</summary>
    public int Count => _encoded.Length;

    /// <summary>Rows scored so far; the next pass starts here.</summary>
    public int Done { get; private set; }

    /// <summary>The scores, complete once <see cref="Done"/> = <see cref="Count"/>.</summary>
    public ContinuationScore[] Results => _results;

    /// <summary>Tokens row <paramref name="row"/> (in pass order) runs over: what it costs the KV budget while its pass runs.</summary>
    public int TokensOf(int row) => _encoded[_order[row]].Ids.Length;

    /// <summary>Most rows the next pass may take (the scorer's per-pass limit and logits cap).</summary>
    public int NextPassLimit => Done < Count ? _scorer.RowsPerPass(_encoded, _order, Done) : 0;

    /// <summary>Runs the next pass over <paramref name="rows"/> rows (at most <see cref="NextPassLimit"/>).</summary>
    public void RunPass(int rows, RunOptions runOptions)
    {
        _scorer.Pass(_encoded, _order.AsSpan(Done, rows), _results, _top, runOptions);
        Done += rows;
    }

    /// <summary>Runs every pass on this thread, cancellable between and (through <see cref="RunOptions.Terminate"/>) inside passes.</summary>
    public ContinuationScore[] RunAll(CancellationToken cancellationToken)
    {
        using var runOptions = new RunOptions();
        using var registration = cancellationToken.Register(static o => ((RunOptions)o!).Terminate = true, runOptions);
        while (Done < Count)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                RunPass(NextPassLimit, runOptions);
            }
            catch (OnnxRuntimeException) when (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException(cancellationToken);
            }
        }

        return _results;
    }
}
