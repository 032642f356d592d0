using System.Globalization;
using System.Text;

namespace InferenceScaling.Arith;

/// <summary>
/// Draws multi-step arithmetic word problems with worked solutions, and the check/fix examples built from them.
/// The same seed always gives the same problems (for a given <see cref="Version"/>); this is the one source of the
/// shipped model's training data and of fresh evaluation draws.
/// </summary>
/// <remarks>Not thread-safe: one instance owns one random stream. Create one per thread.</remarks>
public sealed class ArithmeticProblemGenerator
{
    /// <summary>Generator version, recorded with every draw; bump it when the output for a seed changes.</summary>
    public const string Version = "arith-gen-1";

    private static readonly string[] MaleNames = ["Tom", "Sam", "Ben", "Max", "Leo", "Omar", "Ivan", "Raj", "Paul", "Jack", "Ali", "Hugo"];
    private static readonly string[] FemaleNames = ["Mia", "Ana", "Lily", "Zoe", "Emma", "Nina", "Sara", "Ruth", "Maya", "Kim", "Eva", "Rosa"];
    private static readonly string[] Items = ["apples", "coins", "marbles", "stickers", "books", "cards", "shells", "pencils", "stamps", "cookies", "beads", "eggs"];

    /// <summary>Random stream owned by this generator.</summary>
    private readonly Random _random;

    /// <summary>The seed, kept for problem ids.</summary>
    private readonly int _seed;

    /// <summary>How many problems this generator has drawn, for problem ids.</summary>
    private int _count;

    /// <summary>Creates a generator whose output depends only on <paramref name="seed"/>.</summary>
    public ArithmeticProblemGenerator(int seed)
    {
        _seed = seed;
        // Random(int) uses the legacy seeded algorithm, which .NET keeps stable across versions.
        _random = new Random(seed);
    }

    /// <summary>Draws the next problem at <paramref name="difficulty"/>.</summary>
    public Problem Next(ProblemDifficulty difficulty)
    {
        ArgumentNullException.ThrowIfNull(difficulty);
        difficulty.Validate();
        var female = _random.Next(2) == 0;
        var name = Pick(female ? FemaleNames : MaleNames);
        var he = female ? "she" : "he";
        var He = female ? "She" : "He";
        var items = Pick(Items);
        var stepCount = _random.Next(difficulty.MinSteps, difficulty.MaxSteps + 1);

        var value = (long)_random.Next(2, difficulty.MaxOperand + 1);
        var text = new StringBuilder();
        text.Append(_random.Next(3) switch
        {
            0 => $"{name} has {value} {items}.",
            1 => $"{name} starts with {value} {items}.",
            _ => $"There are {value} {items} in {name}'s box.",
        });

        var steps = new List<SolutionStep>(stepCount);
        for (var i = 0; i < stepCount; i++)
        {
            var step = NextStep(value, difficulty);
            steps.Add(step);
            text.Append(' ').Append(Describe(step, i, He, he));
            value = step.Result;
        }

        text.Append(' ').Append(_random.Next(3) switch
        {
            0 => $"How many {items} does {he} have now?",
            1 => $"How many {items} are there in the end?",
            _ => $"How many {items} does {name} have?",
        });

        var id = string.Create(CultureInfo.InvariantCulture, $"{Version}-s{_seed}-{_count++}");
        return new Problem(id, text.ToString(), steps, difficulty);
    }

    /// <summary>
    /// A copy of <paramref name="problem"/>'s solution with one planted error: a wrong result or a misread operand
    /// at one step, later steps carried on from the wrong value as a model would. The error step is 1-based.
    /// </summary>
    public IReadOnlyList<SolutionStep> PlantError(Problem problem, out int errorStep)
    {
        ArgumentNullException.ThrowIfNull(problem);
        var truth = problem.Steps;
        var k = _random.Next(truth.Count);
        var flawed = new List<SolutionStep>(truth.Count);
        for (var i = 0; i < k; i++) flawed.Add(truth[i]);

        var step = truth[k];
        if (_random.Next(4) == 0 && step.Operator is ArithmeticOperator.Add or ArithmeticOperator.Subtract)
        {
            // A misread operand: the arithmetic is right but on the wrong number.
            var right = step.Right + NonZeroDelta(step.Right);
            var misread = step with { Right = right };
            flawed.Add(misread with { Result = misread.Evaluate() });
        }
        else
        {
            flawed.Add(step with { Result = step.Result + NonZeroDelta(step.Result) });
        }

        for (var i = k + 1; i < truth.Count; i++)
        {
            var carried = truth[i] with { Left = flawed[i - 1].Result };
            flawed.Add(carried with { Result = carried.Evaluate() });
        }

        errorStep = k + 1;
        return flawed;
    }

    /// <summary>Makes the solve, check and fix examples of one problem (check and fix on a planted-error copy).</summary>
    public IEnumerable<TaskExample> Examples(Problem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        var solution = problem.Solution;
        yield return new TaskExample(TaskKind.Solve, problem.Id, TaskFormat.SolvePrompt(problem.Question), " " + solution, problem.Answer, null);

        // Half the checks are of correct solutions, so the verdict is balanced.
        var candidate = _random.Next(2) == 0 ? problem.Steps : PlantError(problem, out _);
        var check = TaskFormat.FormatCheck(problem.Steps, candidate, out var checkError);
        yield return new TaskExample(TaskKind.Check, problem.Id, TaskFormat.CheckPrompt(problem.Question, TaskFormat.FormatSolution(candidate)), " " + check, problem.Answer, checkError);

        var flawed = PlantError(problem, out _);
        var flawedCheck = TaskFormat.FormatCheck(problem.Steps, flawed, out var fixError);
        yield return new TaskExample(TaskKind.Fix, problem.Id, TaskFormat.FixPrompt(problem.Question, TaskFormat.FormatSolution(flawed), flawedCheck), " " + solution, problem.Answer, fixError);
    }

    private SolutionStep NextStep(long value, ProblemDifficulty d)
    {
        // Try operators in a random order; one always fits because addition of 1.. fits while value < MaxValue,
        // and subtraction fits while value > 1.
        Span<int> order = [0, 1, 2, 3];
        Span<int> divisors = stackalloc int[8];
        _random.Shuffle(order);
        foreach (var op in order)
        {
            switch (op)
            {
                case 0 when value + 2 <= d.MaxValue:
                    var add = _random.Next(2, (int)Math.Min(d.MaxOperand, d.MaxValue - value) + 1);
                    return new SolutionStep(value, ArithmeticOperator.Add, add, value + add);
                case 1 when value > 2:
                    var sub = _random.Next(1, (int)Math.Min(d.MaxOperand, value - 1) + 1);
                    return new SolutionStep(value, ArithmeticOperator.Subtract, sub, value - sub);
                case 2 when value * 2 <= d.MaxValue:
                    var maxFactor = (int)Math.Min(9, d.MaxValue / value);
                    var mul = _random.Next(2, maxFactor + 1);
                    return new SolutionStep(value, ArithmeticOperator.Multiply, mul, value * mul);
                case 3:
                    var n = 0;
                    for (var k = 2; k <= 9; k++) if (value % k == 0 && value / k >= 1) divisors[n++] = k;
                    if (n == 0) break;
                    var div = divisors[_random.Next(n)];
                    return new SolutionStep(value, ArithmeticOperator.Divide, div, value / div);
            }
        }

        return new SolutionStep(value, ArithmeticOperator.Add, 1, value + 1);
    }

    private string Describe(SolutionStep step, int index, string He, string he)
    {
        var then = index > 0 && _random.Next(3) == 0;
        var subject = then ? "Then " + he : He;
        var b = step.Right.ToString(CultureInfo.InvariantCulture);
        return step.Operator switch
        {
            ArithmeticOperator.Add => _random.Next(4) switch
            {
                0 => $"{subject} buys {b} more.",
                1 => $"{subject} finds {b} more.",
                2 => $"{subject} gets {b} more from a friend.",
                _ => $"{subject} wins {b} more.",
            },
            ArithmeticOperator.Subtract => _random.Next(4) switch
            {
                0 => $"{subject} gives away {b}.",
                1 => $"{subject} sells {b}.",
                2 => $"{subject} loses {b}.",
                _ => $"{subject} uses {b}.",
            },
            ArithmeticOperator.Multiply => step.Right switch
            {
                2 when _random.Next(2) == 0 => $"{subject} doubles them.",
                3 when _random.Next(2) == 0 => $"{subject} triples them.",
                _ => _random.Next(2) == 0 ? $"{subject} ends up with {b} times as many." : $"{subject} multiplies them by {b}.",
            },
            _ => step.Right switch
            {
                2 when _random.Next(2) == 0 => $"{subject} gives away half of them.",
                _ => _random.Next(2) == 0 ? $"{subject} splits them into {b} equal piles and keeps one pile." : $"{subject} divides them by {b}.",
            },
        };
    }

    private long NonZeroDelta(long around)
    {
        // Slips a model makes: off by one or two, or by ten in one digit. Never leaves the result negative.
        ReadOnlySpan<long> deltas = [1, -1, 2, -2, 10, -10, 3, -3];
        for (var attempt = 0; attempt < 16; attempt++)
        {
            var d = deltas[_random.Next(deltas.Length)];
            if (around + d >= 0) return d;
        }

        return 1;
    }

    private T Pick<T>(T[] values) => values[_random.Next(values.Length)];
}
