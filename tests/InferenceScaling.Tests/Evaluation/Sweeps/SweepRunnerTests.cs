using System.Text;
using InferenceScaling.Evaluation;
using InferenceScaling.Tests.Fakes;

namespace InferenceScaling.Tests.Evaluation;

public sealed class SweepRunnerTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("sweeprunner-");

    public void Dispose() => _dir.Delete(recursive: true);

    /// <summary>p1: gold 7, pool [7, 7, 3, none]; p2: gold 5, pool [5, 3, 3, 3]. Greedy right on p1, wrong on p2.</summary>
    private static readonly Dictionary<string, (string? Greedy, string?[] Samples)> TwoProblems = new()
    {
        ["q1"] = ("7", ["7", "7", "3", null]),
        ["q2"] = ("3", ["5", "3", "3", "3"]),
    };

    private static readonly EvalProblem[] TwoProblemSet = [new("p1", "q1", "7"), new("p2", "q2", "5")];

    private static SweepOptions Options(params string[] strategies) => new()
    {
        Strategies = strategies,
        Budgets = [1, 2, 3, 4],
        PromptTemplate = q => q,
        TimeProvider = new ManualTimeProvider(),
        Seed = 11,
    };

    /// <summary>Six problems with mixed pools, for resume and order tests.</summary>
    private static (Dictionary<string, (string? Greedy, string?[] Samples)> Script, EvalProblem[] Problems) Six()
    {
        var script = new Dictionary<string, (string? Greedy, string?[] Samples)>();
        var problems = new List<EvalProblem>();
        string?[][] pools =
        [
            ["1", "1", "1", "1", "2", "1", "1", "1"],
            ["2", "9", "9", null, "2", "2", "9", "2"],
            ["3", "4", "5", "6", "3", null, "3", "7"],
            [null, null, "4", "4", "8", "8", "8", "4"],
            ["5", "5", "5", "5", "5", "5", "5", "5"],
            ["0", "0", "0", "6", "6", "6", "6", "0"],
        ];
        for (var i = 0; i < pools.Length; i++)
        {
            var q = $"question {i}";
            script[q] = (i % 2 == 0 ? (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture) : "x", pools[i]);
            problems.Add(new EvalProblem($"p{i}", q, (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        return (script, problems.ToArray());
    }

    private static SweepOptions SixOptions(string? output = null) => new()
    {
        Strategies = ["greedy", "sc", "adaptive"],
        Budgets = [1, 2, 4, 8],
        PromptTemplate = q => q,
        TimeProvider = new ManualTimeProvider(),
        Seed = 3,
        OutputDirectory = output,
    };

    [Fact]
    public async Task Sc_EstimatesMatchHandComputedMajAtK()
    {
        var summary = await new SweepRunner(new PromptScriptedGenerator(TwoProblems), Options("sc")).RunAsync(TwoProblemSet);

        // p1 (7,7,3,-): maj@1 = 2/4; maj@2 = (1 {7,7} + 2×½ {7,3} + 2 {7,-} + 0 {3,-}) / 6 = 4/6;
        //               maj@3 = (1 + 1 + 2×½) / 4 = 3/4; maj@4 = 1.
        // p2 (5,3,3,3): maj@1 = 1/4; maj@2 = 3×½ / 6 = 1/4; maj@3 = 0; maj@4 = 0.
        double[] p1 = [2 / 4.0, 4 / 6.0, 3 / 4.0, 1];
        double[] p2 = [1 / 4.0, 1 / 4.0, 0, 0];
        var rows = summary.Rows;
        Assert.Equal([1, 2, 3, 4], rows.Select(r => r.Budget));
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal("sc", rows[i].Strategy);
            Assert.Equal(2, rows[i].Problems);
            Assert.Equal((p1[i] + p2[i]) / 2, rows[i].Accuracy.Estimate, 12);
            // Pool tokens are 10, 11, 12, 13 (mean 11.5) for both problems; k samples cost 11.5k.
            Assert.Equal(11.5 * (i + 1), rows[i].MeanGeneratedTokens, 12);
            Assert.Equal(i + 1, rows[i].MeanSamples);
        }
    }

    [Fact]
    public async Task Greedy_IsOneTraceAtTemperatureZero_ReportedAtBudgetOneOnly()
    {
        var generator = new PromptScriptedGenerator(TwoProblems);
        var summary = await new SweepRunner(generator, Options("greedy")).RunAsync(TwoProblemSet);

        var row = Assert.Single(summary.Rows);
        Assert.Equal(("greedy", 1), (row.Strategy, row.Budget));
        Assert.Equal(0.5, row.Accuracy.Estimate);
        Assert.Equal(5, row.MeanGeneratedTokens);
        Assert.Equal(1, row.MeanSamples);
        Assert.Equal(2, generator.Requests.Count(r => r.Temperature == 0 && r.Count == 1));
    }

    [Fact]
    public async Task Adaptive_RunsTheSolverLive_AndReportsItsUsage()
    {
        var generator = new PromptScriptedGenerator(TwoProblems);
        var options = Options("adaptive");
        var summary = await new SweepRunner(generator, options).RunAsync(TwoProblemSet);

        // The same solver, called directly, must give the same answers, samples and tokens.
        var context = new SweepStrategyContext(new PromptScriptedGenerator(TwoProblems), options);
        foreach (var k in options.Budgets)
        {
            double score = 0, tokens = 0, samples = 0;
            foreach (var p in TwoProblemSet)
            {
                var s = await context.CreateSelfConsistencySolver(SweepRunner.ProblemSeed(options.Seed, p.Id)).SolveAsync(p.Question, context.AdaptiveBudget(k));
                score += s.Answer == p.Answer ? 1 : 0;
                tokens += s.Usage.GeneratedTokens;
                samples += s.Usage.Samples;
            }

            var row = summary.Rows.Single(r => r.Budget == k);
            Assert.Equal(score / 2, row.Accuracy.Estimate, 12);
            Assert.Equal(tokens / 2, row.MeanGeneratedTokens, 12);
            Assert.Equal(samples / 2, row.MeanSamples, 12);
        }

        // Live waves (not the pool) were requested with the problem's seed.
        Assert.Contains(generator.Requests, r => r.Prompt == "q1" && r.Count < 4 && r.Seed == SweepRunner.ProblemSeed(11, "p1"));
    }

    [Fact]
    public async Task ScVerify_ChecksTheCandidates_AndCountsTheChecksInItsTokens()
    {
        // Five samples say 3, three say 7 (gold). The checker calls 3 wrong and 7 correct, so verification picks the
        // minority answer that plain voting loses.
        var model = ScriptedPipeline.Model("3", "3", "7", "3", "7", "3", "7", "3");
        model.Checks[ScriptedPipeline.Checked("3")] = ScriptedCheck.Wrong(0.9);
        model.Checks[ScriptedPipeline.Checked("7")] = ScriptedCheck.Correct(0.9);
        var options = Options("sc", "sc+verify") with
        {
            Budgets = [8],
            PromptTemplate = ScriptedPipeline.Arith.Solve,
            Prompts = ScriptedPipeline.Arith,
        };

        var summary = await new SweepRunner(model, options).RunAsync([new EvalProblem("p", "q", "7")]);

        var sc = summary.Rows.Single(r => r.Strategy == "sc");
        var verify = summary.Rows.Single(r => r.Strategy == "sc+verify");
        Assert.Equal(0, sc.Accuracy.Estimate);
        Assert.Equal(1, verify.Accuracy.Estimate);
        // Budget 8 allows 8 / 4 = 2 checks: both candidates, in vote order.
        Assert.Equal([ScriptedPipeline.Checked("3"), ScriptedPipeline.Checked("7")], model.Checked);
        var checkTokens = ScriptedCheck.Wrong(0.9).Text.Length + ScriptedCheck.Correct(0.9).Text.Length;
        Assert.Equal(sc.MeanGeneratedTokens + checkTokens, verify.MeanGeneratedTokens, 9);
    }

    [Fact]
    public async Task AnswerChecker_IsInjectable()
    {
        var options = Options("sc") with { AnswerChecker = (gold, predicted) => predicted == "3" };
        var summary = await new SweepRunner(new PromptScriptedGenerator(TwoProblems), options).RunAsync(TwoProblemSet);

        // Now 3 is "correct": p1 maj@4 = 0 (7 wins 2–1), p2 maj@4 = 1.
        Assert.Equal(0.5, summary.Rows.Single(r => r.Budget == 4).Accuracy.Estimate, 12);
    }

    [Fact]
    public async Task AnySolver_PlugsInWithOneCatalogLine()
    {
        var options = Options("sc", "fixed");
        options.Catalog.Register("fixed", ctx => new SolverSweepStrategy("fixed", ctx, seed => ctx.CreateSelfConsistencySolver(seed), k => new Budget { MaxSamples = k }));
        var summary = await new SweepRunner(new PromptScriptedGenerator(TwoProblems), options).RunAsync(TwoProblemSet);

        // All four samples, no early stop: the vote of the whole pool, which maj@4 is too.
        var fixedRow = summary.Rows.Single(r => r is { Strategy: "fixed", Budget: 4 });
        var scRow = summary.Rows.Single(r => r is { Strategy: "sc", Budget: 4 });
        Assert.Equal(scRow.Accuracy.Estimate, fixedRow.Accuracy.Estimate);
        Assert.Equal(4, fixedRow.MeanSamples);
        Assert.Equal(46, fixedRow.MeanGeneratedTokens);
    }

    [Fact]
    public async Task UnknownStrategy_FailsBeforeSampling_ListingTheKnownNames()
    {
        var generator = new PromptScriptedGenerator(TwoProblems);
        var output = Path.Combine(_dir.FullName, "unknown");
        var options = Options("sc", "best-of-n") with { OutputDirectory = output };

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => new SweepRunner(generator, options).RunAsync(TwoProblemSet));

        Assert.Contains("Unknown strategy 'best-of-n'", ex.Message);
        Assert.Contains("greedy, sc, adaptive, sc+verify, sc+refine, sc+verify+refine", ex.Message);
        Assert.Empty(generator.Requests);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public async Task StagedStrategy_WithoutPrompts_SaysWhatItNeeds()
    {
        var generator = new PromptScriptedGenerator(TwoProblems);
        var ex = await Assert.ThrowsAsync<NotSupportedException>(() => new SweepRunner(generator, Options("sc+refine")).RunAsync(TwoProblemSet));

        Assert.Contains("SweepOptions.Prompts", ex.Message);
        Assert.Empty(generator.Requests);
    }

    [Fact]
    public async Task ReservedStrategy_IsKnownButFailsWithItsReason()
    {
        var options = Options("sc", "best-of-n");
        options.Catalog.Reserve("best-of-n", "it needs a reward model");

        var ex = await Assert.ThrowsAsync<NotSupportedException>(() => new SweepRunner(new PromptScriptedGenerator(TwoProblems), options).RunAsync(TwoProblemSet));

        Assert.Equal("Strategy 'best-of-n' is not available: it needs a reward model.", ex.Message);
    }

    [Fact]
    public void ProblemSeed_DependsOnRunSeedAndIdOnly()
    {
        Assert.Equal(SweepRunner.ProblemSeed(5, "p1"), SweepRunner.ProblemSeed(5, "p1"));
        Assert.NotEqual(SweepRunner.ProblemSeed(5, "p1"), SweepRunner.ProblemSeed(5, "p2"));
        Assert.NotEqual(SweepRunner.ProblemSeed(5, "p1"), SweepRunner.ProblemSeed(6, "p1"));
        // Pinned (computed independently): a change here changes every recorded sweep's traces.
        Assert.Equal(10517212301916652036UL, SweepRunner.ProblemSeed(42, "arith-gen-1-s42-0"));
    }

    [Fact]
    public async Task ProblemSeeds_AndResults_DoNotDependOnOrderOrConcurrency()
    {
        var (script, problems) = Six();
        var forward = new PromptScriptedGenerator(script);
        var a = await new SweepRunner(forward, SixOptions()).RunAsync(problems);
        var backward = new PromptScriptedGenerator(script);
        var b = await new SweepRunner(backward, SixOptions() with { MaxConcurrency = 3 }).RunAsync(problems.Reverse().ToArray());

        Assert.Equal(a.ToCsv(), b.ToCsv());
        var seedsA = forward.Requests.Select(r => (r.Prompt, r.Seed, r.FirstIndex, r.Count)).Order().ToList();
        var seedsB = backward.Requests.Select(r => (r.Prompt, r.Seed, r.FirstIndex, r.Count)).Order().ToList();
        Assert.Equal(seedsA, seedsB);
        foreach (var p in problems)
            Assert.All(forward.Requests.Where(r => r.Prompt == p.Question), r => Assert.Equal(SweepRunner.ProblemSeed(3, p.Id), r.Seed));
    }

    [Fact]
    public async Task Resume_AfterCancelAndATornLine_WritesTheSameSummaryAsAnUninterruptedRun()
    {
        var (script, problems) = Six();
        var whole = Path.Combine(_dir.FullName, "whole");
        await new SweepRunner(new PromptScriptedGenerator(script), SixOptions(whole)).RunAsync(problems);

        // Killed: cancelled right after problem 3 finished...
        var killed = Path.Combine(_dir.FullName, "killed");
        using var cts = new CancellationTokenSource();
        var first = SixOptions(killed) with { Progress = new InlineProgress<SweepProgress>(p => { if (p.Done == 3) cts.Cancel(); }) };
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new SweepRunner(new PromptScriptedGenerator(script), first).RunAsync(problems, cts.Token));
        var log = Path.Combine(killed, SweepLog.FileName);
        Assert.Equal(3, SweepLog.Read(log).Count);
        Assert.False(File.Exists(Path.Combine(killed, SweepSummary.CsvFileName)));

        // ...and the kill tore problem 4's line half-way.
        var wholeLines = await File.ReadAllLinesAsync(Path.Combine(whole, SweepLog.FileName));
        var torn = Encoding.UTF8.GetBytes(wholeLines[3]);
        await using (var file = new FileStream(log, FileMode.Append)) await file.WriteAsync(torn.AsMemory(0, torn.Length / 2));

        var resumedGenerator = new PromptScriptedGenerator(script);
        await new SweepRunner(resumedGenerator, SixOptions(killed) with { Resume = true }).RunAsync(problems);

        Assert.Equal(
            await File.ReadAllTextAsync(Path.Combine(whole, SweepSummary.CsvFileName)),
            await File.ReadAllTextAsync(Path.Combine(killed, SweepSummary.CsvFileName)));
        Assert.Equal(await File.ReadAllTextAsync(Path.Combine(whole, SweepLog.FileName)), await File.ReadAllTextAsync(log));
        // Finished problems were not sampled again.
        Assert.DoesNotContain(resumedGenerator.Requests, r => r.Prompt is "question 0" or "question 1" or "question 2");
    }

    [Fact]
    public async Task WithoutResume_AFolderWithResultsIsNotOverwritten()
    {
        var (script, problems) = Six();
        var output = Path.Combine(_dir.FullName, "twice");
        await new SweepRunner(new PromptScriptedGenerator(script), SixOptions(output)).RunAsync(problems);

        await Assert.ThrowsAsync<IOException>(() => new SweepRunner(new PromptScriptedGenerator(script), SixOptions(output)).RunAsync(problems));
    }

    [Fact]
    public async Task PerProblemRecords_HoldEveryTracesAnswerTokensAndLogProbs()
    {
        var output = Path.Combine(_dir.FullName, "records");
        await new SweepRunner(new PromptScriptedGenerator(TwoProblems), Options("sc") with { OutputDirectory = output }).RunAsync(TwoProblemSet);

        var p1 = SweepLog.Read(Path.Combine(output, SweepLog.FileName)).Single(r => r.ProblemId == "p1");
        Assert.Equal(SweepRunner.ProblemSeed(11, "p1"), p1.Seed);
        Assert.Equal(["7", "7", "3", null], p1.Traces.Select(t => t.Answer));
        Assert.Equal([true, true, false, false], p1.Traces.Select(t => t.Correct));
        Assert.Equal([10, 11, 12, 13], p1.Traces.Select(t => t.GeneratedTokens));
        Assert.Equal(-0.2, p1.Traces[1].MeanLogProb, 5);
        Assert.Equal(-0.2, p1.Traces[1].MinLogProb, 5);
        Assert.Equal("EndOfSequence", p1.Traces[0].Finish);
    }

    [Fact]
    public async Task Progress_CountsProblemsTracesAndTokens()
    {
        var reports = new List<SweepProgress>();
        var options = Options("sc") with { Progress = new InlineProgress<SweepProgress>(reports.Add) };
        await new SweepRunner(new PromptScriptedGenerator(TwoProblems), options).RunAsync(TwoProblemSet);

        Assert.Equal([0, 1, 2], reports.Select(r => r.Done));
        Assert.Equal(8, reports[^1].Traces);
        Assert.Equal(2 * 46, reports[^1].GeneratedTokens);
    }
}
