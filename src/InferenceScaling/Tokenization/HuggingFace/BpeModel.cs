using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using InferenceScaling.Runtime;

namespace InferenceScaling.Tokenization.HuggingFace;

/// <summary>
/// tokenizer.json's BPE model: merges by rank over a piece's code points, with <c>byte_fallback</c> (unknown chars as
/// <c>&lt;0xXX&gt;</c> byte tokens), <c>ignore_merges</c> (a piece in the vocabulary is one token), <c>unk_token</c> with
/// <c>fuse_unk</c>, and the continuing-subword prefix / end-of-word suffix. Microsoft.ML.Tokenizers' BpeTokenizer has
/// neither byte fallback nor ignore_merges, and fuses byte-level mapping with its own pre-tokenization, so the
/// model is written here; it is the Hugging Face algorithm (lowest rank first, leftmost on ties).
/// </summary>
/// <remarks>Thread-safe.</remarks>
internal sealed class BpeModel
{
    /// <summary>Pieces longer than this are not cached (long pieces are rare and would crowd the cache).</summary>
    private const int MaxCachedLength = 64;

    /// <summary>How many pieces the cache holds before it stops growing.</summary>
    private const int MaxCacheEntries = 32_768;

    private readonly Dictionary<string, int> _vocab;

    /// <summary>(left id, right id) → (rank, merged id).</summary>
    private readonly Dictionary<(int, int), (int Rank, int Id)> _merges;

    /// <summary>Id of each <c>&lt;0xXX&gt;</c> byte token, -1 where the vocabulary lacks it.</summary>
    private readonly int[] _byteIds = new int[256];

    /// <summary>Piece text → its tokens (ids, and where each starts and ends in chars of the piece).</summary>
    private readonly ConcurrentDictionary<string, (int[] Ids, int[] Starts, int[] Ends)> _cache = new(StringComparer.Ordinal);

    private readonly int? _unkId;
    private readonly bool _fuseUnk;
    private readonly bool _byteFallback;
    private readonly bool _ignoreMerges;
    private readonly string? _prefix;
    private readonly string? _suffix;

    private BpeModel(Dictionary<string, int> vocab, Dictionary<(int, int), (int, int)> merges, int? unkId, bool fuseUnk,
        bool byteFallback, bool ignoreMerges, string? prefix, string? suffix)
    {
        _vocab = vocab;
        _merges = merges;
        _unkId = unkId;
        _fuseUnk = fuseUnk;
        _byteFallback = byteFallback;
        _ignoreMerges = ignoreMerges;
        _prefix = prefix;
        _suffix = suffix;
        for (var b = 0; b < 256; b++) _byteIds[b] = vocab.TryGetValue($"<0x{b:X2}>", out var id) ? id : -1;
    }

    /// <summary>Token text → id.</summary>
    public IReadOnlyDictionary<string, int> Vocabulary => _vocab;

    /// <summary>Reads tokenizer.json's <c>model</c> section.</summary>
    /// <exception cref="ModelLoadException">Not a BPE model, or a malformed one; the message names the problem.</exception>
    public static BpeModel From(JsonElement model, string path)
    {
        var type = Json.Type(model) ?? "BPE";
        if (type != "BPE") throw Json.Unsupported(path, "model", type, "BPE; SentencePiece models also load from tokenizer.model");
        if (model.TryGetProperty("dropout", out var dropout) && dropout.ValueKind == JsonValueKind.Number && dropout.GetDouble() > 0)
            throw new ModelLoadException($"{path}: BPE dropout {dropout.GetDouble()} is not supported (inference needs deterministic ids).");
        if (!model.TryGetProperty("vocab", out var vocabElement) || vocabElement.ValueKind != JsonValueKind.Object)
            throw new ModelLoadException($"{path}: model.vocab is missing or not an object.");

        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var p in vocabElement.EnumerateObject()) vocab[p.Name] = p.Value.GetInt32();

        var prefix = Json.String(model, "continuing_subword_prefix") is { Length: > 0 } cp ? cp : null;
        var suffix = Json.String(model, "end_of_word_suffix") is { Length: > 0 } es ? es : null;
        var merges = new Dictionary<(int, int), (int, int)>();
        if (model.TryGetProperty("merges", out var mergesElement) && mergesElement.ValueKind == JsonValueKind.Array)
        {
            var rank = 0;
            foreach (var m in mergesElement.EnumerateArray())
            {
                string left, right;
                if (m.ValueKind == JsonValueKind.Array && m.GetArrayLength() == 2)
                {
                    left = m[0].GetString() ?? "";
                    right = m[1].GetString() ?? "";
                }
                else
                {
                    // Older files write "a b"; the space cannot be part of a token there.
                    var s = m.GetString() ?? "";
                    var space = s.IndexOf(' ', 1);
                    if (space < 0) throw new ModelLoadException($"{path}: merge {rank} '{s}' is not two tokens.");
                    left = s[..space];
                    right = s[(space + 1)..];
                }

                var merged = left + (prefix is not null && right.StartsWith(prefix, StringComparison.Ordinal) ? right[prefix.Length..] : right);
                if (!vocab.TryGetValue(left, out var l) || !vocab.TryGetValue(right, out var r))
                    throw new ModelLoadException($"{path}: merge {rank} ('{left}', '{right}') names a token that is not in the vocabulary.");
                if (!vocab.TryGetValue(merged, out var id))
                    throw new ModelLoadException($"{path}: merge {rank} makes '{merged}', which is not in the vocabulary.");
                merges.TryAdd((l, r), (rank, id));
                rank++;
            }
        }

        int? unk = null;
        if (Json.String(model, "unk_token") is { } unkToken)
            unk = vocab.TryGetValue(unkToken, out var u) ? u : throw new ModelLoadException($"{path}: unk_token '{unkToken}' is not in the vocabulary.");

        return new BpeModel(vocab, merges, unk, Json.Bool(model, "fuse_unk", false), Json.Bool(model, "byte_fallback", false),
            Json.Bool(model, "ignore_merges", false), prefix, suffix);
    }

    /// <summary>Encodes one piece, appending (id, start, end) in original-input chars to <paramref name="output"/>.</summary>
    public void Encode(AlignedText piece, List<EncodedPiece> output)
    {
        if (piece.Length == 0) return;
        var text = piece.Text;
        if (!_cache.TryGetValue(text, out var word))
        {
            word = Merge(text);
            if (text.Length <= MaxCachedLength && _cache.Count < MaxCacheEntries) _cache.TryAdd(text, word);
        }

        for (var i = 0; i < word.Ids.Length; i++)
            output.Add(new EncodedPiece(word.Ids[i], piece.Starts[word.Starts[i]], piece.Ends[word.Ends[i] - 1]));
    }

    private (int[] Ids, int[] Starts, int[] Ends) Merge(string text)
    {
        if (_ignoreMerges && _vocab.TryGetValue(text, out var whole)) return ([whole], [0], [text.Length]);

        // Symbols: one per code point (byte-fallback chars become several), as a linked list over arrays.
        var ids = new List<int>(text.Length);
        var starts = new List<int>(text.Length);
        var ends = new List<int>(text.Length);
        var pendingUnk = -1;
        var pendingStart = 0;
        var pendingEnd = 0;
        var sb = new StringBuilder(8);
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < text.Length;)
        {
            var rune = Rune.GetRuneAt(text, i);
            var n = rune.Utf16SequenceLength;
            sb.Clear();
            if (_prefix is not null && i > 0) sb.Append(_prefix);
            sb.Append(text, i, n);
            if (_suffix is not null && i + n == text.Length) sb.Append(_suffix);
            var symbol = sb.ToString();
            if (_vocab.TryGetValue(symbol, out var id))
            {
                FlushUnk();
                Add(id, i, i + n);
            }
            else if (_byteFallback && AllBytesKnown(rune, utf8, out var count))
            {
                FlushUnk();
                for (var k = 0; k < count; k++) Add(_byteIds[utf8[k]], i, i + n);
            }
            else if (_unkId is { } unk)
            {
                if (pendingUnk >= 0 && _fuseUnk) pendingEnd = i + n;
                else
                {
                    FlushUnk();
                    pendingUnk = unk;
                    pendingStart = i;
                    pendingEnd = i + n;
                }
            }

            i += n;
        }

        FlushUnk();
        MergeAll(ids, starts, ends);
        return ([.. ids], [.. starts], [.. ends]);

        void Add(int id, int s, int e)
        {
            ids.Add(id);
            starts.Add(s);
            ends.Add(e);
        }

        void FlushUnk()
        {
            if (pendingUnk < 0) return;
            Add(pendingUnk, pendingStart, pendingEnd);
            pendingUnk = -1;
        }
    }

    private bool AllBytesKnown(Rune rune, Span<byte> utf8, out int count)
    {
        count = rune.EncodeToUtf8(utf8);
        for (var k = 0; k < count; k++) if (_byteIds[utf8[k]] < 0) return false;
        return true;
    }

    /// <summary>Applies merges lowest rank first, leftmost first on ties, until none applies.</summary>
    private void MergeAll(List<int> ids, List<int> starts, List<int> ends)
    {
        var n = ids.Count;
        if (n < 2) return;
        var prev = new int[n];
        var next = new int[n];
        var alive = new bool[n];
        for (var i = 0; i < n; i++)
        {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
            alive[i] = true;
        }

        var symbol = ids.ToArray();
        var queue = new PriorityQueue<(int Pos, int Id), long>();
        for (var i = 0; i + 1 < n; i++) Enqueue(i, i + 1);

        while (queue.TryDequeue(out var top, out _))
        {
            var pos = top.Pos;
            if (!alive[pos] || next[pos] < 0) continue;
            var right = next[pos];
            // The pair may have changed since it was queued.
            if (!_merges.TryGetValue((symbol[pos], symbol[right]), out var m) || m.Id != top.Id) continue;
            symbol[pos] = m.Id;
            ends[pos] = ends[right];
            alive[right] = false;
            next[pos] = next[right];
            if (next[pos] >= 0) prev[next[pos]] = pos;
            if (prev[pos] >= 0) Enqueue(prev[pos], pos);
            if (next[pos] >= 0) Enqueue(pos, next[pos]);
        }

        var w = 0;
        for (var i = 0; i < n; i++)
        {
            if (!alive[i]) continue;
            ids[w] = symbol[i];
            starts[w] = starts[i];
            ends[w] = ends[i];
            w++;
        }

        ids.RemoveRange(w, n - w);
        starts.RemoveRange(w, n - w);
        ends.RemoveRange(w, n - w);

        void Enqueue(int left, int rightPos)
        {
            if (_merges.TryGetValue((symbol[left], symbol[rightPos]), out var merge))
                queue.Enqueue((left, merge.Id), ((long)merge.Rank << 32) | (uint)left);
        }
    }
}

/// <summary>One encoded token: its id and the range of the original input it came from.</summary>
internal readonly record struct EncodedPiece(int Id, int Start, int End);
