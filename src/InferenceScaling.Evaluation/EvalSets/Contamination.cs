using System.Globalization;
using System.Text;
using System.Text.Json;

namespace InferenceScaling.Evaluation;

/// <summary>
/// Finds eval problems whose question shares a word n-gram (13 words by default, the GPT-3 convention) with any
/// training text, so a user can show a fresh draw was never in training.
/// </summary>
/// <remarks>
/// <para>
/// Text is normalized before comparison: lowercased, punctuation and symbols removed (so <c>Tom's</c> is <c>toms</c>),
/// split on whitespace. N-grams are compared by a stable 64-bit hash (FNV-1a over each word, FNV-1a over the word
/// hashes, then a final mix); a false match needs a 64-bit collision.
/// </para>
/// <para>
/// Memory is bounded by the eval set, not the corpus: the eval questions' n-grams go into a hash table, and the
/// training file is streamed line by line against it, so a corpus of hundreds of megabytes costs one line at a time.
/// </para>
/// <para>
/// Caveat for templated sources such as <see cref="Arith.ArithmeticProblemGenerator"/>: two different problems
/// share long n-grams only where their numbers and names coincide too, but short templated questions may have few or no
/// 13-grams at all; <see cref="ContaminationHit.ExactDuplicate"/> catches whole-question repeats regardless of length.
/// </para>
/// Thread-safe: all members are pure functions of their arguments.
/// </remarks>
public static class Contamination
{
    /// <summary>The default n-gram length (GPT-3's contamination analysis).</summary>
    public const int DefaultN = 13;

    /// <summary>The JSONL fields read as training text, whichever a line has.</summary>
    public static IReadOnlyList<string> TrainingFields { get; } = ["question", "prompt", "completion", "problem", "text"];

    private const ulong FnvOffset = 14695981039346656037UL;
    private const ulong FnvPrime = 1099511628211UL;

    /// <summary>Lowercase words of <paramref name="text"/> with punctuation removed, as compared by the check.</summary>
    public static IReadOnlyList<string> Words(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var words = new List<string>();
        var current = new StringBuilder();
        foreach (var ch in text)
        {
            if (char.IsWhiteSpace(ch))
            {
                if (current.Length > 0) words.Add(current.ToString());
                current.Clear();
            }
            else if (char.IsLetterOrDigit(ch))
            {
                current.Append(char.ToLowerInvariant(ch));
            }
        }

        if (current.Length > 0) words.Add(current.ToString());
        return words;
    }

    /// <summary>Checks <paramref name="problems"/> against training texts already in memory.</summary>
    /// <param name="trainingTexts">Training texts, each scanned on its own (n-grams never span two texts).</param>
    /// <param name="problems">The eval problems; their <see cref="EvalProblem.Question"/> is checked.</param>
    /// <param name="n">N-gram length in words (at least 1); default <see cref="DefaultN"/>.</param>
    /// <param name="cancellationToken">Checked between training texts.</param>
    public static ContaminationReport Check(IEnumerable<string> trainingTexts, IReadOnlyList<EvalProblem> problems, int n = DefaultN, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(trainingTexts);
        var index = new EvalIndex(problems, n);
        foreach (var text in trainingTexts)
        {
            cancellationToken.ThrowIfCancellationRequested();
            index.Scan(text);
        }

        return index.Report();
    }

    /// <summary>
    /// Checks <paramref name="problems"/> against a training JSONL file, streamed line by line; each line's
    /// <see cref="TrainingFields"/> that are strings are scanned as separate texts. Blank lines are skipped.
    /// </summary>
    /// <param name="trainingPath">The training corpus (JSONL).</param>
    /// <param name="problems">The eval problems.</param>
    /// <param name="n">N-gram length in words; default <see cref="DefaultN"/>.</param>
    /// <param name="cancellationToken">Checked between lines.</param>
    /// <exception cref="FileNotFoundException">The training file does not exist.</exception>
    /// <exception cref="InvalidDataException">A line is not a JSON object; the message names the file and line.</exception>
    public static async Task<ContaminationReport> CheckFileAsync(string trainingPath, IReadOnlyList<EvalProblem> problems, int n = DefaultN, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(trainingPath);
        var full = Path.GetFullPath(trainingPath);
        if (!File.Exists(full)) throw new FileNotFoundException($"Training file '{full}' does not exist.", full);
        var index = new EvalIndex(problems, n);
        using var reader = new StreamReader(full, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, new FileStreamOptions { BufferSize = 1 << 16, Options = FileOptions.SequentialScan });
        var lineNumber = 0;
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            JsonDocument doc;
            try { doc = JsonDocument.Parse(line); }
            catch (JsonException ex) { throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{full}:{lineNumber}: not valid JSON ({ex.Message}).")); }

            using (doc)
            {
                if (doc.RootElement.ValueKind != JsonValueKind.Object)
                    throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{full}:{lineNumber}: not a JSON object."));
                foreach (var field in TrainingFields)
                {
                    if (doc.RootElement.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.String)
                        index.Scan(value.GetString()!);
                }
            }
        }

        return index.Report();
    }

    /// <summary>FNV-1a of one normalized word.</summary>
    private static ulong WordHash(ReadOnlySpan<char> word)
    {
        var h = FnvOffset;
        foreach (var ch in word)
        {
            h ^= ch;
            h *= FnvPrime;
        }

        return h;
    }

    /// <summary>Hash of a run of word hashes (FNV-1a over them, then the SplitMix64 finalizer to spread the bits).</summary>
    private static ulong SequenceHash(ReadOnlySpan<ulong> words)
    {
        var h = FnvOffset;
        foreach (var w in words)
        {
            h ^= w;
            h *= FnvPrime;
        }

        h ^= h >> 30;
        h *= 0xbf58476d1ce4e5b9UL;
        h ^= h >> 27;
        h *= 0x94d049bb133111ebUL;
        return h ^ (h >> 31);
    }

    /// <summary>Appends the hash of each normalized word of <paramref name="text"/>, without allocating strings.</summary>
    private static void HashWords(ReadOnlySpan<char> text, List<ulong> output)
    {
        var h = FnvOffset;
        var inWord = false;
        foreach (var ch in text)
        {
            if (char.IsWhiteSpace(ch))
            {
                if (inWord) output.Add(h);
                h = FnvOffset;
                inWord = false;
            }
            else if (char.IsLetterOrDigit(ch))
            {
                h ^= char.ToLowerInvariant(ch);
                h *= FnvPrime;
                inWord = true;
            }
        }

        if (inWord) output.Add(h);
    }

    /// <summary>The eval side: n-gram hashes of every question, and what has matched so far.</summary>
    private sealed class EvalIndex
    {
        /// <summary>Per problem, the normalized words (for reporting the first overlapping n-gram).</summary>
        private readonly string[][] _words;

        /// <summary>Per problem, which n-gram positions have matched training text.</summary>
        private readonly bool[][] _matched;

        /// <summary>Per problem, whether the whole question matched a training field or line.</summary>
        private readonly bool[] _exact;

        /// <summary>N-gram hash → (problem, position) pairs having it.</summary>
        private readonly Dictionary<ulong, List<(int Problem, int Position)>> _ngrams = [];

        /// <summary>Whole-question hash → problems having it.</summary>
        private readonly Dictionary<ulong, List<int>> _questions = [];

        /// <summary>Reused buffer of word hashes for the text being scanned.</summary>
        private readonly List<ulong> _buffer = [];

        private readonly IReadOnlyList<EvalProblem> _problems;
        private readonly int _n;
        private long _texts;
        private long _scanned;

        public EvalIndex(IReadOnlyList<EvalProblem> problems, int n)
        {
            ArgumentNullException.ThrowIfNull(problems);
            ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
            _problems = problems;
            _n = n;
            _words = new string[problems.Count][];
            _matched = new bool[problems.Count][];
            _exact = new bool[problems.Count];
            for (var p = 0; p < problems.Count; p++)
            {
                var words = Words(problems[p].Question).ToArray();
                _words[p] = words;
                var hashes = new ulong[words.Length];
                for (var i = 0; i < words.Length; i++) hashes[i] = WordHash(words[i]);
                var count = Math.Max(0, words.Length - n + 1);
                _matched[p] = new bool[count];
                for (var i = 0; i < count; i++)
                {
                    var key = SequenceHash(hashes.AsSpan(i, n));
                    if (!_ngrams.TryGetValue(key, out var list)) _ngrams[key] = list = [];
                    list.Add((p, i));
                }

                if (words.Length > 0)
                {
                    var whole = SequenceHash(hashes);
                    if (!_questions.TryGetValue(whole, out var same)) _questions[whole] = same = [];
                    same.Add(p);
                }
            }
        }

        public void Scan(string text)
        {
            _texts++;
            _buffer.Clear();
            HashWords(text, _buffer);
            var hashes = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_buffer);
            for (var i = 0; i + _n <= hashes.Length; i++)
            {
                _scanned++;
                if (_ngrams.TryGetValue(SequenceHash(hashes.Slice(i, _n)), out var hits))
                {
                    foreach (var (problem, position) in hits) _matched[problem][position] = true;
                }
            }

            MarkExact(hashes);
            // Training prompts wrap the question ("Q: ...\nA:"): also compare each line with a leading label removed.
            if (text.Contains('\n', StringComparison.Ordinal))
            {
                foreach (var line in text.Split('\n')) ScanLine(line);
            }
            else
            {
                ScanLine(text);
            }
        }

        public ContaminationReport Report()
        {
            var hits = new List<ContaminationHit>();
            for (var p = 0; p < _problems.Count; p++)
            {
                var matched = _matched[p];
                var first = -1;
                var count = 0;
                for (var i = 0; i < matched.Length; i++)
                {
                    if (!matched[i]) continue;
                    count++;
                    if (first < 0) first = i;
                }

                if (count == 0 && !_exact[p]) continue;
                var gram = first < 0 ? null : string.Join(' ', _words[p], first, _n);
                hits.Add(new ContaminationHit(_problems[p].Id, count, matched.Length, gram, _exact[p]));
            }

            return new ContaminationReport(_n, _problems.Count, _texts, _scanned, hits);
        }

        private void ScanLine(string line)
        {
            var span = line.AsSpan().Trim();
            var colon = span.IndexOf(':');
            // A short leading label such as "Q:", "Question:", "Problem:".
            if (colon is > 0 and <= 12 && !span[..colon].ContainsAny(' ', '\t')) span = span[(colon + 1)..];
            _buffer.Clear();
            HashWords(span, _buffer);
            MarkExact(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_buffer));
        }

        private void MarkExact(ReadOnlySpan<ulong> hashes)
        {
            if (hashes.Length == 0 || _questions.Count == 0) return;
            if (_questions.TryGetValue(SequenceHash(hashes), out var same))
            {
                foreach (var p in same) _exact[p] = true;
            }
        }
    }
}
