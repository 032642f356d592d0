using InferenceScaling.Evaluation;

namespace InferenceScaling.Tests.Evaluation;

/// <summary>Seeded synthetic sweep records: a pool of traces per problem and the outcomes of two strategies.</summary>
internal static class SweepTestData
{
    public static readonly int[] Budgets = [1, 2, 4, 8, 16, 32];

    public static List<SweepProblemRecord> Records(int problems, int seed)
    {
        var random = new Random(seed);
        var sc = new SelfConsistencyStrategy();
        var records = new List<SweepProblemRecord>();
        for (var p = 0; p < problems; p++)
        {
            var gold = random.Next(100).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var skill = random.NextDouble();
            var pool = new List<SweepTrace>();
            for (var i = 0; i < 32; i++)
            {
                var roll = random.NextDouble();
                var key = roll < 0.05 ? null : roll < skill ? gold : "w" + random.Next(4).ToString(System.Globalization.CultureInfo.InvariantCulture);
                pool.Add(new SweepTrace(key, key == gold, 20 + random.Next(40), -random.NextDouble(), 5 + random.NextDouble()));
            }

            var outcomes = sc.Evaluate(pool, Budgets).ToList();
            // A second, made-up strategy that stops early, so the summary has two lines.
            foreach (var b in Budgets)
                outcomes.Add(new SweepOutcome("adaptive", b, random.NextDouble() < skill ? 1 : 0, b * 20.0, b * 4.0, Math.Min(b, 3)));
            records.Add(new SweepProblemRecord($"p{p:D3}", gold, pool, outcomes));
        }

        return records;
    }
}
