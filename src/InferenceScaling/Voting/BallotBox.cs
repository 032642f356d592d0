using InferenceScaling.Answers;
using InferenceScaling.Sampling;

namespace InferenceScaling.Voting;

/// <summary>
/// Collects traces as ballots: reads each trace's answer and assigns it to an answer group. Answers with equal
/// <see cref="IAnswerEquivalence.CanonicalKey"/> share a group; an answer with a new key joins the first existing group
/// whose representative it <see cref="IAnswerEquivalence.AreEquivalent"/> to, so groups whose keys differ but whose
/// answers are equal are merged. A group's key and representative never change once made, so tallies taken while
/// traces arrive stay consistent. Not thread-safe.
/// </summary>
public sealed class BallotBox
{
    private readonly IAnswerExtractor _extractor;

    private readonly IAnswerEquivalence _equivalence;

    /// <summary>Ballots in arrival order.</summary>
    private readonly List<Ballot> _ballots = [];

    /// <summary>Canonical key → the group key it votes under (itself, or an earlier equivalent group's key).</summary>
    private readonly Dictionary<string, string> _groupOfKey = new(StringComparer.Ordinal);

    /// <summary>Group keys with their representative answer text, in creation order.</summary>
    private readonly List<(string Key, string Representative)> _groups = [];

    /// <summary>Creates an empty box.</summary>
    /// <param name="extractor">Reads final answers from traces.</param>
    /// <param name="equivalence">Groups equal answers.</param>
    public BallotBox(IAnswerExtractor extractor, IAnswerEquivalence equivalence)
    {
        ArgumentNullException.ThrowIfNull(extractor);
        ArgumentNullException.ThrowIfNull(equivalence);
        _extractor = extractor;
        _equivalence = equivalence;
    }

    /// <summary>The ballots so far, in arrival order. The list grows as traces are added.</summary>
    public IReadOnlyList<Ballot> Ballots => _ballots;

    /// <summary>Reads the trace's answer and adds its ballot.</summary>
    /// <param name="trace">The trace.</param>
    /// <param name="mayVote">
    /// False to record the trace (and its answer, if any) without a vote — e.g. a cancelled trace. Default true.
    /// </param>
    /// <returns>The ballot added.</returns>
    public Ballot Add(Trace trace, bool mayVote = true)
    {
        ArgumentNullException.ThrowIfNull(trace);
        var answer = _extractor.Extract(trace.Text);
        // A trace cut off at its token limit before writing an answer line casts no vote: its last number is a
        // half-finished step, not an answer. An explicit answer written before the cut still counts.
        if (answer is { Source: AnswerSource.LastNumber } && trace.FinishReason == FinishReason.Length) answer = null;
        var key = answer is not null && mayVote ? GroupKey(answer.Text) : null;
        var ballot = new Ballot(trace, answer, key);
        _ballots.Add(ballot);
        return ballot;
    }

    /// <summary>The group key an answer votes under, making a new group when no existing one is equivalent.</summary>
    /// <param name="answer">The answer text.</param>
    /// <returns>The group key.</returns>
    public string GroupKey(string answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        var canonical = _equivalence.CanonicalKey(answer);
        if (_groupOfKey.TryGetValue(canonical, out var group)) return group;

        // A new canonical key: equivalence may still say it equals an earlier group (e.g. forms the key does not unify).
        group = canonical;
        foreach (var (key, representative) in _groups)
        {
            if (_equivalence.AreEquivalent(representative, answer))
            {
                group = key;
                break;
            }
        }

        _groupOfKey[canonical] = group;
        if (ReferenceEquals(group, canonical)) _groups.Add((canonical, answer));
        return group;
    }
}
