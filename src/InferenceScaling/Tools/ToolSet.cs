using InferenceScaling.Prompts;
using InferenceScaling.Sampling;
using InferenceScaling.Tokenization;

namespace InferenceScaling.Tools;

/// <summary>
/// A prompt set's tools bound to one model's tokenizer: which token ids can end a call (a table built once), how an
/// answer is encoded, and the calculator. Hands out one <see cref="ITokenInjector"/> per trace
/// (<see cref="CreateInjector"/>, or <see cref="Factory"/> for <see cref="TraceRequest.Injector"/>). Immutable and
/// thread-safe; the injectors it makes are not (one per trace, as the decoder uses them).
/// </summary>
public sealed class ToolSet
{
    /// <summary>Per token id, a bit per trigger whose <see cref="ToolTrigger.End"/> can end with that token's text.</summary>
    private readonly uint[] _candidates;

    private readonly string[] _pieces;

    /// <summary>The model's tokenizer, to encode answers.</summary>
    private readonly ModelTokenizer _tokenizer;

    private ToolSet(IReadOnlyList<ToolTrigger> triggers, ModelTokenizer tokenizer, string[] pieces, uint[] candidates, Calculator calculator)
    {
        Triggers = triggers;
        _tokenizer = tokenizer;
        _pieces = pieces;
        _candidates = candidates;
        Calculator = calculator;
        var longest = 0;
        foreach (var p in pieces) longest = Math.Max(longest, p.Length);
        var lookback = 0;
        foreach (var t in triggers) lookback = Math.Max(lookback, t.Lookback + t.End.Length);
        TailCapacity = lookback + longest;
        FunctionNames = [.. triggers.Select(t => t.FunctionName)];
        Factory = _ => CreateInjector();
    }

    /// <summary>The triggers, in the order they are tried.</summary>
    internal IReadOnlyList<ToolTrigger> Triggers { get; }

    /// <summary>The calculator the triggers call.</summary>
    internal Calculator Calculator { get; }

    /// <summary>Names of the triggers (as <c>--tools</c> takes them), comma-separated, for reports and run records.</summary>
    public string Names => string.Join(",", Triggers.Select(t => t.Name));

    /// <summary>A factory for <see cref="TraceRequest.Injector"/>: a fresh injector per trace.</summary>
    public Func<int, ITokenInjector?> Factory { get; }

    /// <summary>Per trigger, the function name a JSON call must give (<see cref="ToolTrigger.FunctionName"/>).</summary>
    internal string[] FunctionNames { get; }

    /// <summary>Characters an injector keeps for reading a call (longest lookback plus the longest token).</summary>
    internal int TailCapacity { get; }

    /// <summary>
    /// Binds <paramref name="triggers"/> to a tokenizer. The table of candidate tokens is built here, once (one pass over
    /// the vocabulary).
    /// </summary>
    /// <param name="triggers">One to 32 triggers.</param>
    /// <param name="tokenizer">The model's tokenizer.</param>
    /// <param name="vocabularySize">The model's vocabulary size (logits width).</param>
    /// <param name="calculator">The calculator; default <see cref="Tools.Calculator.Default"/>.</param>
    /// <exception cref="ArgumentException">No triggers or more than 32.</exception>
    internal static ToolSet Create(IReadOnlyList<ToolTrigger> triggers, ModelTokenizer tokenizer, int vocabularySize, Calculator? calculator = null)
    {
        ArgumentNullException.ThrowIfNull(triggers);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentOutOfRangeException.ThrowIfLessThan(vocabularySize, 1);
        if (triggers.Count is 0 or > 32) throw new ArgumentException($"A tool set holds 1 to 32 triggers (was {triggers.Count}).", nameof(triggers));
        var pieces = tokenizer.Pieces(vocabularySize);
        var candidates = new uint[vocabularySize];
        for (var id = 0; id < vocabularySize; id++)
        {
            var piece = pieces[id];
            if (piece.Length == 0) continue;
            for (var t = 0; t < triggers.Count; t++)
                if (piece[^1] == triggers[t].End[^1]) candidates[id] |= 1u << t;
        }

        return new ToolSet([.. triggers], tokenizer, pieces, candidates, calculator ?? Calculator.Default);
    }

    /// <summary>
    /// The tools <paramref name="names"/> (e.g. <c>["calc"]</c>) of <paramref name="prompts"/>, bound to a tokenizer.
    /// </summary>
    /// <param name="prompts">The prompt set whose <c>tools</c> entries are named.</param>
    /// <param name="names">Entry names; a name given twice counts once.</param>
    /// <param name="tokenizer">The model's tokenizer (answers are encoded with it; which tokens can end a call is read from it once).</param>
    /// <param name="vocabularySize">The model's vocabulary size (logits width).</param>
    /// <exception cref="ArgumentException">A name the prompt set has no entry for; the message lists the ones it has.</exception>
    public static ToolSet FromPromptSet(PromptSet prompts, IEnumerable<string> names, ModelTokenizer tokenizer, int vocabularySize) =>
        FromPromptSet(prompts, names, tokenizer, vocabularySize, null);

    /// <summary>As the public overload, with a calculator of other limits (tests).</summary>
    internal static ToolSet FromPromptSet(PromptSet prompts, IEnumerable<string> names, ModelTokenizer tokenizer, int vocabularySize, Calculator? calculator)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(names);
        var triggers = new List<ToolTrigger>();
        foreach (var name in names)
        {
            if (!prompts.Tools.TryGetValue(name, out var trigger))
                throw new ArgumentException(prompts.Tools.Count == 0
                    ? $"Prompt set '{prompts.Name}' declares no tools (asked for '{name}')."
                    : $"Prompt set '{prompts.Name}' has no tool '{name}' (it has: {string.Join(", ", prompts.Tools.Keys)}).");
            if (!triggers.Contains(trigger)) triggers.Add(trigger);
        }

        return Create(triggers, tokenizer, vocabularySize, calculator);
    }

    /// <summary>A new injector for one trace.</summary>
    public ITokenInjector CreateInjector() => new ToolInjector(this);

    /// <summary>The trigger bits of <paramref name="tokenId"/> (0 for most tokens).</summary>
    internal uint CandidateBits(int tokenId) => (uint)tokenId < (uint)_candidates.Length ? _candidates[tokenId] : 0;

    /// <summary>The text of <paramref name="tokenId"/>.</summary>
    internal string Piece(int tokenId) => (uint)tokenId < (uint)_pieces.Length ? _pieces[tokenId] : "";

    /// <summary>Token ids of an answer, without the beginning-of-sequence id a model's encoder may put first.</summary>
    internal int[] Encode(string text)
    {
        var ids = _tokenizer.Encode(text);
        return _tokenizer.BeginningOfSequenceId is { } bos && ids.Length > 0 && ids[0] == bos && !text.StartsWith(Piece(bos), StringComparison.Ordinal)
            ? ids[1..]
            : ids;
    }
}
