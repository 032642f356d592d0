namespace InferenceScaling.Evaluation;

/// <summary>
/// Self-consistency (majority vote over k samples) evaluated from a pool: the score at budget k is the unbiased maj@k
/// of <see cref="MajorityVoteEstimator"/> over all size-k subsets of the pool, so <c>sc</c> at budgets 1..32 comes
/// from one pool of 32 samples.
/// </summary>
/// <remarks>
/// Expected cost at budget k is k times the pool's mean generated tokens and mean wall time per trace (the exact
/// expectation over subsets); samples used is k. Ties and unanswered traces follow
/// <see cref="MajorityVoteEstimator"/>'s rules. Stateless and thread-safe; completes synchronously.
/// </remarks>
public sealed class SelfConsistencyStrategy : ISweepStrategy
{
    /// <summary>Creates the strategy under <paramref name="name"/> (default <c>sc</c>).</summary>
    public SelfConsistencyStrategy(string name = "sc")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">A budget is below 1 or above the pool size.</exception>
    public ValueTask<IReadOnlyList<SweepOutcome>> EvaluateAsync(EvalProblem problem, IReadOnlyList<SweepTrace> pool, IReadOnlyList<int> budgets, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(budgets);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Evaluate(pool, budgets));
    }

    /// <summary>The synchronous core of <see cref="EvaluateAsync"/>.</summary>
    /// <exception cref="ArgumentException">A budget is below 1 or above the pool size.</exception>
    public IReadOnlyList<SweepOutcome> Evaluate(IReadOnlyList<SweepTrace> pool, IReadOnlyList<int> budgets)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(budgets);
        var keys = new string?[pool.Count];
        var correct = new bool[pool.Count];
        double tokens = 0, wall = 0;
        for (var i = 0; i < pool.Count; i++)
        {
            keys[i] = pool[i].AnswerKey;
            correct[i] = pool[i].Correct;
            tokens += pool[i].GeneratedTokens;
            wall += pool[i].WallMs;
        }

        var (counts, correctGroup, unanswered) = MajorityVoteEstimator.Group(keys, correct);
        var outcomes = new SweepOutcome[budgets.Count];
        for (var b = 0; b < budgets.Count; b++)
        {
            var k = budgets[b];
            if (k < 1 || k > pool.Count)
                throw new ArgumentException($"Budget {k} needs 1..{pool.Count} samples; the pool has {pool.Count}.", nameof(budgets));
            var score = MajorityVoteEstimator.MajorityAtK(counts, correctGroup, unanswered, k);
            outcomes[b] = new SweepOutcome(Name, k, score, k * tokens / pool.Count, k * wall / pool.Count, k);
        }

        return outcomes;
    }
}
