using System.Globalization;
using System.Text;
using System.Text.Json;
using InferenceScaling.Arith;

namespace InferenceScaling.Evaluation;

/// <summary>
/// A named list of evaluation problems with where they came from. Load one from a JSONL file
/// (<see cref="Load"/>, any of the <see cref="EvalSetFormat"/> layouts) or draw a fresh one from the problem generator
/// (<see cref="Draw"/>); a fixed file goes stale once models are tuned to it, so sweeps default to fresh draws.
/// </summary>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed class EvalSet
{
    private static readonly JsonSerializerOptions LineOptions = new() { WriteIndented = false };

    private EvalSet(string name, string source, EvalSetFormat format, IReadOnlyList<EvalProblem> problems)
    {
        Name = name;
        Source = source;
        Format = format;
        Problems = problems;
    }

    /// <summary>A short name: the file name without extension, or <c>arith-gen-1-s42-n300</c> for a draw.</summary>
    public string Name { get; }

    /// <summary>Provenance: the full path a set was loaded from, or the generator version, seed and difficulty of a draw.</summary>
    public string Source { get; }

    /// <summary>The layout the set was read from (<see cref="EvalSetFormat.Plain"/> for draws).</summary>
    public EvalSetFormat Format { get; }

    /// <summary>The problems, in file or draw order. Ids are unique.</summary>
    public IReadOnlyList<EvalProblem> Problems { get; }

    /// <summary>Wraps problems already in memory (e.g. an evaluation harness's own) as a set.</summary>
    /// <exception cref="ArgumentException">Two problems share an id.</exception>
    public static EvalSet FromProblems(string name, string source, IReadOnlyList<EvalProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(problems);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in problems)
        {
            if (!seen.Add(p.Id)) throw new ArgumentException($"Eval set '{name}': duplicate problem id '{p.Id}'.", nameof(problems));
        }

        return new EvalSet(name, source, EvalSetFormat.Plain, problems.ToArray());
    }

    /// <summary>
    /// Draws <paramref name="count"/> fresh problems from <see cref="ArithmeticProblemGenerator"/> with
    /// <paramref name="seed"/>; each problem's <see cref="EvalProblem.Source"/> records the generator version and seed.
    /// The same seed, count and difficulty always give the same set (for a given generator version).
    /// </summary>
    /// <param name="seed">Generator seed.</param>
    /// <param name="count">Number of problems (at least 1).</param>
    /// <param name="difficulty">Difficulty; <see cref="ProblemDifficulty.Default"/> when null.</param>
    public static EvalSet Draw(int seed, int count, ProblemDifficulty? difficulty = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var d = (difficulty ?? ProblemDifficulty.Default).Validate();
        var generator = new ArithmeticProblemGenerator(seed);
        var source = DrawSource(seed);
        var spec = d.ToString();
        var problems = new EvalProblem[count];
        for (var i = 0; i < count; i++)
        {
            var p = generator.Next(d);
            problems[i] = new EvalProblem(p.Id, p.Question, p.Answer.ToString(CultureInfo.InvariantCulture), source, spec);
        }

        var name = string.Create(CultureInfo.InvariantCulture, $"{ArithmeticProblemGenerator.Version}-s{seed}-n{count}");
        return new EvalSet(name, string.Create(CultureInfo.InvariantCulture, $"{source};{spec}"), EvalSetFormat.Plain, problems);
    }

    /// <summary>The <see cref="EvalProblem.Source"/> a draw with <paramref name="seed"/> records: <c>arith-gen-1;seed=42</c>.</summary>
    public static string DrawSource(int seed) =>
        string.Create(CultureInfo.InvariantCulture, $"{ArithmeticProblemGenerator.Version};seed={seed}");

    /// <summary>
    /// Reads a JSONL eval set, detecting its <see cref="EvalSetFormat"/> from the first record: <c>problem</c> +
    /// <c>solution</c> is MATH; <c>question</c> + an <c>answer</c> containing <c>####</c> is GSM8K; otherwise the plain
    /// schema. Blank lines are skipped. Missing ids become <c>&lt;file name&gt;-&lt;line&gt;</c>.
    /// </summary>
    /// <param name="path">The JSONL file.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">
    /// A line is not a JSON object, lacks a field its format needs, has no extractable answer, or repeats an id;
    /// the message names the file and the 1-based line.
    /// </exception>
    public static EvalSet Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var full = Path.GetFullPath(path);
        if (!File.Exists(full)) throw new FileNotFoundException($"Eval set '{full}' does not exist.", full);
        var stem = Path.GetFileNameWithoutExtension(full);
        var problems = new List<EvalProblem>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        EvalSetFormat? format = null;
        var lineNumber = 0;
        foreach (var line in File.ReadLines(full))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            JsonDocument doc;
            try { doc = JsonDocument.Parse(line); }
            catch (JsonException ex) { throw Bad(full, lineNumber, $"not valid JSON ({ex.Message})"); }

            using (doc)
            {
                var root = doc.RootElement;
                if (root.ValueKind != JsonValueKind.Object) throw Bad(full, lineNumber, "not a JSON object");
                format ??= Detect(root);
                var problem = format switch
                {
                    EvalSetFormat.Math => ReadMath(root, full, lineNumber, stem),
                    EvalSetFormat.Gsm8k => ReadGsm8k(root, full, lineNumber, stem),
                    _ => ReadPlain(root, full, lineNumber, stem),
                };
                if (!ids.Add(problem.Id)) throw Bad(full, lineNumber, $"duplicate id '{problem.Id}'");
                problems.Add(problem);
            }
        }

        return new EvalSet(stem, full, format ?? EvalSetFormat.Plain, problems);
    }

    /// <summary>Writes the set as plain-schema JSONL (one problem per line), creating the folder if needed.</summary>
    /// <param name="path">Output file; overwritten.</param>
    public void Save(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        using var writer = new StreamWriter(full, append: false, new UTF8Encoding(false));
        foreach (var p in Problems) writer.WriteLine(JsonSerializer.Serialize(p, LineOptions));
    }

    /// <summary>
    /// The content of the last <c>\boxed{...}</c> (or <c>\fbox{...}</c>) in <paramref name="text"/>, with nested braces
    /// kept balanced, e.g. <c>\frac{1}{2}</c>; null when there is none or its braces never close.
    /// </summary>
    public static string? LastBoxed(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var start = Math.Max(text.LastIndexOf("\\boxed", StringComparison.Ordinal), text.LastIndexOf("\\fbox", StringComparison.Ordinal));
        if (start < 0) return null;
        var open = text.IndexOf('{', start);
        if (open < 0) return null;
        // Only whitespace may stand between the command and its brace; `\boxed 5` is not supported.
        for (var i = start + 1; i < open; i++)
        {
            if (!char.IsLetter(text[i]) && !char.IsWhiteSpace(text[i])) return null;
        }

        var depth = 0;
        for (var i = open; i < text.Length; i++)
        {
            if (text[i] == '{') depth++;
            else if (text[i] == '}' && --depth == 0) return text[(open + 1)..i].Trim();
        }

        return null;
    }

    /// <summary>The GSM8K final answer: the text after the last <c>####</c>, trimmed, with thousands commas removed; null when absent.</summary>
    public static string? Gsm8kAnswer(string answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        var mark = answer.LastIndexOf("####", StringComparison.Ordinal);
        if (mark < 0) return null;
        var value = answer[(mark + 4)..].Trim().Replace(",", "", StringComparison.Ordinal);
        return value.Length == 0 ? null : value;
    }

    private static EvalSetFormat Detect(JsonElement root)
    {
        if (root.TryGetProperty("problem", out _) && root.TryGetProperty("solution", out _)) return EvalSetFormat.Math;
        if (root.TryGetProperty("answer", out var a) && a.ValueKind == JsonValueKind.String
            && a.GetString()!.Contains("####", StringComparison.Ordinal)) return EvalSetFormat.Gsm8k;
        return EvalSetFormat.Plain;
    }

    private static EvalProblem ReadPlain(JsonElement root, string file, int line, string stem)
    {
        var question = Required(root, "question", file, line);
        var answer = Required(root, "answer", file, line);
        return new EvalProblem(Id(root, stem, line), question, answer, Optional(root, "source"), Optional(root, "difficulty"));
    }

    private static EvalProblem ReadGsm8k(JsonElement root, string file, int line, string stem)
    {
        var question = Required(root, "question", file, line);
        var solution = Required(root, "answer", file, line);
        var answer = Gsm8kAnswer(solution) ?? throw Bad(file, line, "field 'answer' has no final answer after '####'");
        return new EvalProblem(Id(root, stem, line), question, answer, Optional(root, "source") ?? "gsm8k", Optional(root, "difficulty"));
    }

    private static EvalProblem ReadMath(JsonElement root, string file, int line, string stem)
    {
        var question = Required(root, "problem", file, line);
        var solution = Required(root, "solution", file, line);
        var answer = LastBoxed(solution) ?? throw Bad(file, line, "field 'solution' has no complete \\boxed{...}");
        var type = Optional(root, "type");
        return new EvalProblem(Id(root, stem, line), question, answer, type is null ? "math" : "math;" + type, Optional(root, "level") ?? Optional(root, "difficulty"));
    }

    private static string Id(JsonElement root, string stem, int line) =>
        Optional(root, "id") ?? Optional(root, "unique_id") ?? string.Create(CultureInfo.InvariantCulture, $"{stem}-{line}");

    private static string Required(JsonElement root, string name, string file, int line)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            throw Bad(file, line, $"missing field '{name}'");
        var text = Scalar(value) ?? throw Bad(file, line, $"field '{name}' is a {value.ValueKind}, not a string or number");
        if (string.IsNullOrWhiteSpace(text)) throw Bad(file, line, $"field '{name}' is empty");
        return text;
    }

    private static string? Optional(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) ? Scalar(value) : null;

    private static string? Scalar(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        // Numbers keep their JSON spelling, so an answer of 72 or an id of 3 reads back as written.
        JsonValueKind.Number => value.GetRawText(),
        _ => null,
    };

    private static InvalidDataException Bad(string file, int line, string what) =>
        new(string.Create(CultureInfo.InvariantCulture, $"{file}:{line}: {what}."));
}
