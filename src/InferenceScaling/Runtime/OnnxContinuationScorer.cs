using InferenceScaling.Sampling;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InferenceScaling.Runtime;

/// <summary>
/// Scores continuations with a <see cref="DecoderModel"/> by teacher forcing: prompt + continuation go through the
/// model in one pass (empty KV cache, right-padded rows batched together) and each continuation token's
/// log-probability is read from the logits. Nothing is sampled, so a score costs one prefill and no decode steps.
/// </summary>
/// <remarks>
/// Thread-safe: each call runs its own passes on the shared session. The model is not owned: dispose it yourself.
/// Rows are right-padded: under the causal mask a real token never sees the padding after it, so a padded row scores
/// exactly as it would alone.
/// </remarks>
internal sealed class OnnxContinuationScorer : IContinuationScorer
{
    /// <summary>Most logits (rows × length × vocabulary) one pass may return: 64 M floats, 256 MB.</summary>
    private const long MaxLogitsPerPass = 64L << 20;

    /// <summary>The model (not owned).</summary>
    private readonly DecoderModel _model;

    /// <summary>Most rows per pass.</summary>
    private readonly int _maxRows;

    /// <summary>Who runs the passes when they must share a decode loop's row admission (a scheduler), else null.</summary>
    private readonly IScoringAdmission? _admission;

    /// <summary>Creates a scorer over <paramref name="model"/>.</summary>
    /// <param name="model">The model.</param>
    /// <param name="maxRowsPerPass">Most continuations per forward pass (fewer when the logits would pass 256 MB). Default 64.</param>
    public OnnxContinuationScorer(DecoderModel model, int maxRowsPerPass = 64)
        : this(model, maxRowsPerPass, null)
    {
    }

    /// <summary>A scorer whose passes <paramref name="admission"/> runs (in its own thread, when its rows are admitted).</summary>
    internal OnnxContinuationScorer(DecoderModel model, int maxRowsPerPass, IScoringAdmission? admission)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRowsPerPass, 1);
        _model = model;
        _maxRows = maxRowsPerPass;
        _admission = admission;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ContinuationScore>> ScoreAsync(IReadOnlyList<Continuation> items, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        var encoded = new (int[] Ids, int PromptLength)[items.Count];
        var context = _model.Signature.ContextLength;
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i] ?? throw new ArgumentException($"Item {i} is null.", nameof(items));
            if (string.IsNullOrEmpty(item.Prompt)) throw new ArgumentException($"Item {i}: the prompt is empty.", nameof(items));
            if (string.IsNullOrEmpty(item.Text)) throw new ArgumentException($"Item {i}: the continuation is empty.", nameof(items));
            var prompt = _model.Tokenizer.Encode(item.Prompt);
            var text = _model.Tokenizer.Inner.EncodeToIds(item.Text);
            if (prompt.Length == 0 || text.Count == 0) throw new ArgumentException($"Item {i}: the prompt or the continuation encodes to no tokens.", nameof(items));
            if (prompt.Length + text.Count > context)
                throw new ArgumentException($"Item {i}: prompt + continuation are {prompt.Length + text.Count} tokens; the model's context is {context}.", nameof(items));
            var ids = new int[prompt.Length + text.Count];
            prompt.CopyTo(ids, 0);
            for (var t = 0; t < text.Count; t++) ids[prompt.Length + t] = text[t];
            encoded[i] = (ids, prompt.Length);
        }

        return Run(encoded, 0, cancellationToken);
    }

    /// <summary>
    /// Scores token sequences as given (no tokenization): each token after the first <paramref name="promptTokens"/>
    /// given all before it, with the <paramref name="topLogProbs"/> most likely tokens at each of those positions in
    /// <see cref="ContinuationScore.TopLogProbs"/> (echo with log-probs on <c>/v1/completions</c>, log-likelihoods).
    /// </summary>
    /// <param name="sequences">Token ids; each at least <paramref name="promptTokens"/> + 1 long and within the context.</param>
    /// <param name="promptTokens">Leading tokens that are context only (at least 1: the first token has no prediction).</param>
    /// <param name="topLogProbs">Most likely tokens kept per position, 0 to 20.</param>
    /// <param name="cancellationToken">Cancels the passes.</param>
    /// <exception cref="ArgumentException">A sequence is too short, too long for the context, or holds an id outside the vocabulary.</exception>
    public Task<IReadOnlyList<ContinuationScore>> ScoreTokensAsync(IReadOnlyList<int[]> sequences, int promptTokens = 1, int topLogProbs = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        ArgumentOutOfRangeException.ThrowIfLessThan(promptTokens, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(topLogProbs, TokenSampler.MaxTop);
        ArgumentOutOfRangeException.ThrowIfNegative(topLogProbs);
        var encoded = new (int[] Ids, int PromptLength)[sequences.Count];
        var sig = _model.Signature;
        for (var i = 0; i < encoded.Length; i++)
        {
            var ids = sequences[i] ?? throw new ArgumentException($"Sequence {i} is null.", nameof(sequences));
            if (ids.Length <= promptTokens) throw new ArgumentException($"Sequence {i} has {ids.Length} tokens; at least {promptTokens + 1} are needed.", nameof(sequences));
            if (ids.Length > sig.ContextLength) throw new ArgumentException($"Sequence {i} has {ids.Length} tokens; the model's context is {sig.ContextLength}.", nameof(sequences));
            foreach (var id in ids)
                if ((uint)id >= (uint)sig.VocabularySize) throw new ArgumentException($"Sequence {i} holds token id {id}, outside the vocabulary of {sig.VocabularySize}.", nameof(sequences));
            encoded[i] = (ids, promptTokens);
        }

        return Run(encoded, topLogProbs, cancellationToken);
    }

    /// <summary>Runs the passes: through the admission when there is one, else on a pool thread.</summary>
    private async Task<IReadOnlyList<ContinuationScore>> Run((int[] Ids, int PromptLength)[] encoded, int top, CancellationToken cancellationToken)
    {
        if (encoded.Length == 0) return [];
        var work = new ScoringWork(this, encoded, top);
        if (_admission is not null) return await _admission.ScoreAsync(work, cancellationToken).ConfigureAwait(false);
        // The passes are synchronous native work: keep them off the caller's thread.
        return await Task.Run(() => work.RunAll(cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// How many rows, from <paramref name="start"/> of <paramref name="order"/> (sorted by length), one pass may take:
    /// at most the per-pass row limit, and no more than keep the logits within 256 MB.
    /// </summary>
    internal int RowsPerPass((int[] Ids, int PromptLength)[] encoded, ReadOnlySpan<int> order, int start)
    {
        var vocab = _model.Signature.VocabularySize;
        var rows = 1;
        while (start + rows < order.Length && rows < _maxRows
               && (long)(rows + 1) * encoded[order[start + rows]].Ids.Length * vocab <= MaxLogitsPerPass)
            rows++;
        return rows;
    }

    /// <summary>One forward pass over the given rows (indices into <paramref name="encoded"/>), writing their scores.</summary>
    internal void Pass((int[] Ids, int PromptLength)[] encoded, ReadOnlySpan<int> rows, ContinuationScore[] results, int top, RunOptions runOptions)
    {
        var sig = _model.Signature;
        var n = rows.Length;
        var length = encoded[rows[n - 1]].Ids.Length;
        var ids = new long[n * length];
        var mask = new long[n * length];
        var pos = new long[n * length];
        var pad = sig.PadId ?? 0;
        for (var r = 0; r < n; r++)
        {
            var row = encoded[rows[r]].Ids;
            for (var t = 0; t < length; t++)
            {
                var real = t < row.Length;
                ids[r * length + t] = real ? row[t] : pad;
                mask[r * length + t] = real ? 1 : 0;
                pos[r * length + t] = real ? t : 0;
            }
        }

        var names = new List<string>();
        var values = new List<OrtValue>();
        try
        {
            names.Add(sig.InputIds);
            values.Add(OrtValue.CreateTensorValueFromMemory(ids, [n, length]));
            names.Add(sig.AttentionMask);
            values.Add(OrtValue.CreateTensorValueFromMemory(mask, [n, length]));
            if (sig.PositionIds is not null)
            {
                names.Add(sig.PositionIds);
                values.Add(OrtValue.CreateTensorValueFromMemory(pos, [n, length]));
            }

            if (sig.UseCacheBranch is not null)
            {
                names.Add(sig.UseCacheBranch);
                values.Add(OrtValue.CreateTensorValueFromMemory(new[] { false }, [1]));
            }

            if (sig.LogitsToKeep is { } keep)
            {
                // 0 keeps every position: scoring reads the logits before each continuation token.
                names.Add(keep);
                values.Add(OrtValue.CreateTensorValueFromMemory(new[] { 0L }, _model.Session.InputMetadata[keep].Dimensions.Length == 1 ? [1] : []));
            }

            long[] emptyPast = sig.CombinedKeyValue ? [2, n, sig.KeyValueHeads, 0, sig.HeadSize] : [n, sig.KeyValueHeads, 0, sig.HeadSize];
            foreach (var past in sig.PastInputs)
            {
                // An empty cache still needs an allocated tensor: a pinned empty array has no address.
                names.Add(past);
                values.Add(OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, sig.CacheElementType, emptyPast));
            }

            using var outputs = _model.Session.Run(runOptions, names, values, [sig.Logits]);
            var vocab = sig.VocabularySize;
            var logits = ToFloat(outputs[0], sig.LogitsElementType, n * length * vocab);
            for (var r = 0; r < n; r++)
            {
                var (row, promptLength) = encoded[rows[r]];
                var lps = new float[row.Length - promptLength];
                var tops = top > 0 ? new TokenLogProb[row.Length - promptLength][] : null;
                var greedy = true;
                for (var t = promptLength; t < row.Length; t++)
                {
                    // The logits at t - 1 predict token t.
                    var at = logits.Slice((r * length + t - 1) * vocab, vocab);
                    var logZ = TokenSampler.LogPartition(at, out _, out var argmax);
                    lps[t - promptLength] = at[row[t]] - logZ;
                    greedy &= row[t] == argmax;
                    if (tops is not null) tops[t - promptLength] = Top(at, logZ, top);
                }

                results[rows[r]] = new ContinuationScore { TokenLogProbs = lps, IsGreedy = greedy, PromptTokens = promptLength, TopLogProbs = tops };
            }
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }

    /// <summary>The <paramref name="k"/> most likely tokens of one position, most likely first (first index on ties).</summary>
    private static TokenLogProb[] Top(ReadOnlySpan<float> logits, float logZ, int k)
    {
        var ids = new int[k];
        var values = new float[k];
        var filled = 0;
        for (var i = 0; i < logits.Length; i++)
        {
            var l = logits[i];
            if (filled == k && l <= values[k - 1]) continue;
            var j = filled < k ? filled++ : k - 1;
            while (j > 0 && values[j - 1] < l)
            {
                values[j] = values[j - 1];
                ids[j] = ids[j - 1];
                j--;
            }

            values[j] = l;
            ids[j] = i;
        }

        var result = new TokenLogProb[filled];
        for (var i = 0; i < filled; i++) result[i] = new TokenLogProb(ids[i], values[i] - logZ);
        return result;
    }

    /// <summary>The logits as floats: the tensor itself for float32 graphs, a converted copy for float16/bfloat16 ones.</summary>
    private static ReadOnlySpan<float> ToFloat(OrtValue value, TensorElementType type, int count)
    {
        switch (type)
        {
            case TensorElementType.Float:
                return value.GetTensorDataAsSpan<float>()[..count];
            default:
            {
                var result = new float[count];
                LogitsConversion.ToFloat(value.GetTensorMutableRawData()[..(count * sizeof(ushort))], type, result);
                return result;
            }
        }
    }
}
