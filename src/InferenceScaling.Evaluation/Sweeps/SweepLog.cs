using System.Globalization;
using System.Text;
using System.Text.Json;

namespace InferenceScaling.Evaluation;

/// <summary>
/// The append-only <c>per-problem.jsonl</c> of a sweep: one <see cref="SweepProblemRecord"/> per line, written and
/// flushed as each problem finishes, so a sweep killed at any moment loses at most the problems in flight.
/// </summary>
/// <remarks>
/// <para>
/// Opening with <c>resume: true</c> reads the finished problems back (see <see cref="IsDone"/>) and cuts off a torn last
/// line (one a kill left without its newline, or that does not parse), so that problem is run again and written whole.
/// A damaged line anywhere else is an error naming the file and line, not something to skip silently.
/// </para>
/// <para>Thread-safe: <see cref="AppendAsync"/> may be called concurrently; lines never interleave.</para>
/// </remarks>
public sealed class SweepLog : IAsyncDisposable, IDisposable
{
    /// <summary>The conventional file name inside a sweep's output folder.</summary>
    public const string FileName = "per-problem.jsonl";

    private static readonly JsonSerializerOptions LineOptions = new() { WriteIndented = false };

    /// <summary>UTF-8 without a byte-order mark, so appended files stay plain JSONL.</summary>
    private static readonly UTF8Encoding Utf8 = new(false);

    /// <summary>The open file, positioned at its end.</summary>
    private readonly FileStream _stream;

    /// <summary>Serializes appends so concurrent workers never interleave lines.</summary>
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Ids of finished problems (read back on resume, plus those appended since).</summary>
    private readonly HashSet<string> _done = new(StringComparer.Ordinal);

    /// <summary>Records read back on resume, plus those appended since, in file order.</summary>
    private readonly List<SweepProblemRecord> _records;

    private SweepLog(string path, FileStream stream, List<SweepProblemRecord> records)
    {
        Path = path;
        _stream = stream;
        _records = records;
        foreach (var r in records) _done.Add(r.ProblemId);
    }

    /// <summary>The full path of the file.</summary>
    public string Path { get; }

    /// <summary>How many bytes of a torn last line were cut off when the log was opened (0 when none).</summary>
    public long DiscardedBytes { get; private init; }

    /// <summary>Every finished problem: read back on resume plus appended since, in file order. Not thread-safe against concurrent appends.</summary>
    public IReadOnlyList<SweepProblemRecord> Records => _records;

    /// <summary>
    /// Opens <paramref name="path"/> for appending. With <paramref name="resume"/>, an existing file's finished problems are
    /// read back and a torn last line is cut off; without it, an existing non-empty file is an error (never overwritten).
    /// </summary>
    /// <param name="path">The <c>per-problem.jsonl</c> file; its folder is created when missing.</param>
    /// <param name="resume">Continue an existing file.</param>
    /// <exception cref="IOException">The file exists, is not empty, and <paramref name="resume"/> is false.</exception>
    /// <exception cref="InvalidDataException">A line other than the last does not parse; the message names the file and line.</exception>
    public static SweepLog Open(string path, bool resume)
    {
        ArgumentNullException.ThrowIfNull(path);
        var full = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        if (!resume && File.Exists(full) && new FileInfo(full).Length > 0)
            throw new IOException($"'{full}' already holds results; resume it or write to another folder.");
        var stream = new FileStream(full, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        try
        {
            var (records, goodLength) = ReadValidPrefix(stream, full);
            var discarded = stream.Length - goodLength;
            if (discarded > 0) stream.SetLength(goodLength);
            stream.Seek(0, SeekOrigin.End);
            return new SweepLog(full, stream, records) { DiscardedBytes = discarded };
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads the finished problems of a <c>per-problem.jsonl</c> without changing it; a torn last line is ignored.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">A line other than the last does not parse; the message names the file and line.</exception>
    public static IReadOnlyList<SweepProblemRecord> Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full)) throw new FileNotFoundException($"Sweep log '{full}' does not exist.", full);
        using var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return ReadValidPrefix(stream, full).Records;
    }

    /// <summary>True when the problem with <paramref name="problemId"/> has finished (so a resumed sweep skips it).</summary>
    public bool IsDone(string problemId)
    {
        ArgumentNullException.ThrowIfNull(problemId);
        lock (_done) return _done.Contains(problemId);
    }

    /// <summary>Appends one finished problem as a line and flushes it to the operating system before returning.</summary>
    /// <param name="record">The finished problem.</param>
    /// <param name="cancellationToken">Cancels waiting for another append; a line once started is written whole.</param>
    public async Task AppendAsync(SweepProblemRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        var bytes = Utf8.GetBytes(JsonSerializer.Serialize(record, LineOptions) + "\n");
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Not cancellable once started: a half-written line is exactly what resume has to repair.
            await _stream.WriteAsync(bytes, CancellationToken.None).ConfigureAwait(false);
            await _stream.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            lock (_done)
            {
                _done.Add(record.ProblemId);
                _records.Add(record);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _stream.Dispose();
        _gate.Dispose();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync().ConfigureAwait(false);
        _gate.Dispose();
    }

    /// <summary>
    /// Parses complete lines from the start of <paramref name="stream"/>; returns them and the byte length of the valid
    /// prefix. Only the last line may be torn (no newline, or not parseable); anything earlier is an error.
    /// </summary>
    private static (List<SweepProblemRecord> Records, long GoodLength) ReadValidPrefix(FileStream stream, string file)
    {
        stream.Seek(0, SeekOrigin.Begin);
        var data = new byte[stream.Length];
        stream.ReadExactly(data);
        var records = new List<SweepProblemRecord>();
        long good = 0;
        var start = 0;
        var lineNumber = 0;
        while (start < data.Length)
        {
            lineNumber++;
            var newline = Array.IndexOf(data, (byte)'\n', start);
            var end = newline < 0 ? data.Length : newline;
            var isLast = newline < 0 || newline == data.Length - 1;
            var span = data.AsSpan(start, end - start);
            if (span.Trim((byte)' ').Trim((byte)'\r').IsEmpty)
            {
                if (newline < 0) break;
                good = newline + 1;
                start = newline + 1;
                continue;
            }

            SweepProblemRecord? record = null;
            string? error = null;
            try { record = JsonSerializer.Deserialize<SweepProblemRecord>(span, LineOptions); }
            catch (JsonException ex) { error = ex.Message; }

            if (record is null || newline < 0)
            {
                // A kill mid-write leaves the last line without its newline (or cut inside its JSON): ignore it.
                if (isLast) break;
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{file}:{lineNumber}: not a sweep record ({error ?? "null"})."));
            }

            records.Add(record);
            good = newline + 1;
            start = newline + 1;
        }

        return (records, good);
    }
}
