using System.Collections.Concurrent;
using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using InferenceScaling.Answers;
using InferenceScaling.Arith;
using InferenceScaling.Evaluation;
using InferenceScaling.Prompts;
using InferenceScaling.Refinement;
using InferenceScaling.Runtime;
using InferenceScaling.Sampling;
using InferenceScaling.Solving;
using InferenceScaling.Verification;

namespace InferenceScaling.Cli.Commands;

/// <summary>
/// Hidden <c>infscale eval-verify</c>: the measurement harness of issues 5 and 8. Per problem it draws one pool of
/// samples and scores, on that same pool: majority@k, verifier-only, verifier-weighted, verifier-weighted + refinement
/// and majority + refinement; prints accuracy (95% bootstrap CI), mean generated tokens (sampling + checks +
/// rounds), and how often refinement turned right into wrong and wrong into right.
/// </summary>
internal static class EvalVerifyCommand
{
    public static Command Create()
    {
        var set = new Option<string>("--set") { Description = "Eval set JSONL (infscale eval-set draw).", Required = true };
        var samples = new Option<int>("--samples", "-n") { Description = "Samples per problem.", DefaultValueFactory = _ => 16 };
        var checks = new Option<int>("--verifications") { Description = "Most checks per problem.", DefaultValueFactory = _ => 16 };
        var rounds = new Option<int>("--rounds") { Description = "Most refinement rounds.", DefaultValueFactory = _ => 2 };
        var limit = new Option<int?>("--limit") { Description = "Only the first N problems." };
        var parallel = new Option<int>("--parallel") { Description = "Problems in flight at once.", DefaultValueFactory = _ => 1 };
        var temperature = new Option<float?>("--temperature", "-t") { Description = "Sampling temperature (default: model's, else 0.8)." };
        var seed = new Option<ulong>("--seed") { Description = "Sampling seed.", DefaultValueFactory = _ => 0UL };
        var output = new Option<string?>("--out") { Description = "Per-problem JSONL." };
        var budgetText = new Option<string?>("--budget") { Description = "A budget (preset, knob or key=value list, as solve takes) instead of --samples/--verifications/--rounds; its sampling (waves, early stop) makes the pool." };
        var model = new ModelArguments();
        var command = new Command("eval-verify", "Measure majority vs verifier selection vs refinement on one sample pool per problem.")
        {
            set, samples, checks, rounds, limit, parallel, temperature, seed, output, budgetText,
        };
        command.Hidden = true;
        model.AddTo(command);
        command.SetAction((parse, ct) => CommandErrors.Guard(async () =>
        {
            var problems = EvalSet.Load(parse.GetValue(set)!).Problems;
            if (parse.GetValue(limit) is { } l) problems = [.. problems.Take(l)];
            using var m = model.Load(parse);
            var prompts = PromptSet.ForModel(m);
            var generator = new GreedyCache(new OnnxTraceGenerator(m));
            var extractor = new MathAnswerExtractor();
            var eq = MathAnswerEquivalence.Instance;
            var services = new SolverServices { Generator = generator, Model = m, Tokenizer = m.Tokenizer, Prompts = prompts, Scorer = new OnnxContinuationScorer(m) };
            var check = services.ResolveCheckOptions();
            var sc = new SelfConsistencySolver(generator, extractor, eq, options: new SelfConsistencyOptions
            {
                PromptTemplate = prompts.Solve,
                Sampling = new SamplingOptions { Temperature = parse.GetValue(temperature) ?? m.Defaults.Temperature ?? 0.8f, MaxTokens = 128, Seed = parse.GetValue(seed), StopStrings = prompts.StopStrings },
            });
            // Step scores (the model's belief in each written step, forward and undone), when the set supports them.
            var (steps, profile, _) = services.ResolveChecking();
            var verifyOptions = profile.Verification;
            var weighted = new VerificationSolver(sc, steps, verifyOptions);
            var only = new VerificationSolver(sc, steps, verifyOptions with { Selection = VerificationSelection.VerifierOnly });
            var weighted4 = new VerificationSolver(sc, steps, verifyOptions with { ChecksPerCandidate = 4 });
            var refiner = new RefinementSolver(sc, generator, prompts, extractor, eq, checker: steps);
            var improves = new RefinementSolver(sc, generator, prompts, extractor, eq, new RefinementOptions { Confirmation = RevisionConfirmation.Improves }, steps);
            var cont = new RefinementSolver(sc, generator, prompts, extractor, eq, new RefinementOptions { Confirmation = RevisionConfirmation.Improves, RevisionsPerRound = 4, Source = RevisionSource.ContinueFromCheckedSteps }, steps);
            var contBoth = new RefinementSolver(sc, generator, prompts, extractor, eq, new RefinementOptions { RevisionsPerRound = 4, Source = RevisionSource.ContinueFromCheckedSteps }, steps);
            var byCheck = new RefinementSolver(sc, generator, prompts, extractor, eq, new RefinementOptions { Confirmation = RevisionConfirmation.Improves, RevisionsPerRound = 8, Source = RevisionSource.ContinueFromCheckedSteps, ChooseRevisionByCheck = true }, steps);
            var strict = new RefinementSolver(sc, generator, prompts, extractor, eq, new RefinementOptions { Confirmation = RevisionConfirmation.Critique | RevisionConfirmation.Improves, MinConfirmProbability = 0, RevisionsPerRound = 8, Source = RevisionSource.ContinueFromCheckedSteps, ChooseRevisionByCheck = true }, steps);
            var improves4 = new RefinementSolver(sc, generator, prompts, extractor, eq, new RefinementOptions { Confirmation = RevisionConfirmation.Improves, RevisionsPerRound = 4 }, steps);
            // Written critiques, scored by their step words, and by recomputation (the check's steps against the candidate's).
            var critique = new VerificationSolver(sc, generator, prompts, new VerificationOptions { Check = check });
            var recompute = new VerificationSolver(sc, generator, prompts, new VerificationOptions { Check = check with { Recompute = StepComparison.For(prompts) } });
            var budget = parse.GetValue(budgetText) is { } text ? Budget.Parse(text) : new Budget
            {
                MaxSamples = parse.GetValue(samples), WaveSize = parse.GetValue(samples),
                MaxVerifications = parse.GetValue(checks), MaxRefinementRounds = parse.GetValue(rounds),
            }.Validate();
            // Every strategy in print order, run on the pool (s) or on the step-weighted selection (w) of the same problem.
            Strategy[] strategies =
            [
                new("majority", (s, _, _) => Task.FromResult(s)),
                new("step-only", (s, _, t) => only.VerifyAsync(s, budget, t)),
                new("step-weighted", (_, w, _) => Task.FromResult(w)),
                new("step-weighted+refine", (_, w, t) => refiner.RefineAsync(w, budget, t)),
                new("majority+refine", (s, _, t) => refiner.RefineAsync(s, budget, t)),
                new("step-weighted x4", (s, _, t) => weighted4.VerifyAsync(s, budget, t)),
                new("critique-weighted", (s, _, t) => critique.VerifyAsync(s, budget, t)),
                new("recompute-weighted", (s, _, t) => recompute.VerifyAsync(s, budget, t)),
                new("step-weighted+refine (improves)", (_, w, t) => improves.RefineAsync(w, budget, t)),
                new("majority+refine (improves)", (s, _, t) => improves.RefineAsync(s, budget, t)),
                new("step-weighted+refine (improves, 4 revisions)", (_, w, t) => improves4.RefineAsync(w, budget, t)),
                new("step-weighted+continue (improves, 4)", (_, w, t) => cont.RefineAsync(w, budget, t)),
                new("majority+continue (improves, 4)", (s, _, t) => cont.RefineAsync(s, budget, t)),
                new("step-weighted+continue (both, 4)", (_, w, t) => contBoth.RefineAsync(w, budget, t)),
                new("majority+continue (improves, 8, by check)", (s, _, t) => byCheck.RefineAsync(s, budget, t)),
                new("step-weighted+continue (improves, 8, by check)", (_, w, t) => byCheck.RefineAsync(w, budget, t)),
                new("majority+continue (verdict+improves, 8, by check)", (s, _, t) => strict.RefineAsync(s, budget, t)),
                new("step-weighted+continue (verdict+improves, 8, by check)", (_, w, t) => strict.RefineAsync(w, budget, t)),
            ];
            int Index(string name) => Array.FindIndex(strategies, x => x.Name == name) is var k and >= 0 ? k : throw new ArgumentException($"No strategy '{name}'.", nameof(name));
            int pool = Index("majority"), stepWeighted = Index("step-weighted"), weightedRefined = Index("step-weighted+refine"), majorityRefined = Index("majority+refine");
            Console.Error.WriteLine($"eval-verify: {problems.Count} problems, budget {budget}, verdict tokens {(check.VerdictTokens is { } vt ? $"{vt.CorrectTokenId}/{vt.WrongTokenId}" : "unknown")}, step tokens {(check.StepTokens is { } st ? $"{st.CorrectTokenId}/{st.WrongTokenId}" : "none")}");

            var results = new ConcurrentDictionary<int, Row>();
            var done = 0;
            await Parallel.ForEachAsync(Enumerable.Range(0, problems.Count), new ParallelOptions { MaxDegreeOfParallelism = parse.GetValue(parallel), CancellationToken = ct }, async (i, token) =>
            {
                var p = problems[i];
                var s = await sc.SolveAsync(p.Question, budget, token).ConfigureAwait(false);
                var w = await weighted.VerifyAsync(s, budget, token).ConfigureAwait(false);
                var all = new Solution[strategies.Length];
                for (var k = 0; k < strategies.Length; k++) all[k] = await strategies[k].Run(s, w, token).ConfigureAwait(false);
                bool Right(Solution x) => x.Answer is { } a && eq.AreEquivalent(a, p.Answer);
                results[i] = new Row(p, all, [.. all.Select(Right)]);
                var n = Interlocked.Increment(ref done);
                if (n % 10 == 0) Console.Error.WriteLine($"  {n}/{problems.Count}");
            }).ConfigureAwait(false);

            var rows = Enumerable.Range(0, problems.Count).Select(i => results[i]).ToList();
            var inv = CultureInfo.InvariantCulture;
            Console.WriteLine($"problems: {rows.Count}; samples {budget.MaxSamples}; checks ≤ {budget.MaxVerifications}; rounds ≤ {budget.MaxRefinementRounds}");
            Console.WriteLine("strategy               accuracy  95% CI              gen tokens  prompt+scored tokens  forward passes (per problem)");
            for (var k = 0; k < strategies.Length; k++)
            {
                var ci = BootstrapInterval.Mean([.. rows.Select(r => r.Right[k] ? 1.0 : 0.0)]);
                var tokens = rows.Average(r => (double)r.Solutions[k].Usage.GeneratedTokens);
                var prompt = rows.Average(r => (double)r.Solutions[k].Usage.PromptTokens);
                var passes = rows.Average(r => (double)r.Solutions[k].Usage.ForwardPasses);
                Console.WriteLine(string.Create(inv, $"{strategies[k].Name,-44} {ci.Estimate,7:P1}  [{ci.Lower:P1}, {ci.Upper:P1}]  {tokens,10:F0}  {prompt,20:F0}  {passes,14:F0}"));
            }

            Console.WriteLine(string.Create(inv, $"oracle (some sample right): {rows.Average(r => r.Solutions[pool].Ballots.Any(b => b.Answer is { } a && eq.AreEquivalent(a.Text, r.Problem.Answer)) ? 1.0 : 0.0):P1}"));
            Flips("step-weighted+refine vs step-weighted", rows, Index("step-weighted"), Index("step-weighted+refine"));
            Flips("majority+refine vs majority", rows, Index("majority"), Index("majority+refine"));
            Flips("step-weighted vs majority", rows, Index("majority"), Index("step-weighted"));
            Flips("step-only vs majority", rows, Index("majority"), Index("step-only"));
            Flips("step-weighted x4 vs majority", rows, Index("majority"), Index("step-weighted x4"));
            Flips("critique-weighted vs majority", rows, Index("majority"), Index("critique-weighted"));
            Flips("recompute-weighted vs majority", rows, Index("majority"), Index("recompute-weighted"));
            Flips("step-weighted+refine (improves) vs step-weighted", rows, Index("step-weighted"), Index("step-weighted+refine (improves)"));
            Flips("majority+refine (improves) vs majority", rows, Index("majority"), Index("majority+refine (improves)"));
            Flips("step-weighted+refine (improves, 4) vs step-weighted", rows, Index("step-weighted"), Index("step-weighted+refine (improves, 4 revisions)"));
            Flips("step-weighted+continue (improves, 4) vs step-weighted", rows, Index("step-weighted"), Index("step-weighted+continue (improves, 4)"));
            Flips("majority+continue (improves, 4) vs majority", rows, Index("majority"), Index("majority+continue (improves, 4)"));
            Flips("step-weighted+continue (both, 4) vs step-weighted", rows, Index("step-weighted"), Index("step-weighted+continue (both, 4)"));
            Flips("majority+continue (improves, 8, by check) vs majority", rows, Index("majority"), Index("majority+continue (improves, 8, by check)"));
            Flips("step-weighted+continue (improves, 8, by check) vs step-weighted", rows, Index("step-weighted"), Index("step-weighted+continue (improves, 8, by check)"));
            Flips("majority+continue (verdict+improves, 8, by check) vs majority", rows, Index("majority"), Index("majority+continue (verdict+improves, 8, by check)"));
            Flips("step-weighted+continue (verdict+improves, 8, by check) vs step-weighted", rows, Index("step-weighted"), Index("step-weighted+continue (verdict+improves, 8, by check)"));
            var opened = rows.Count(r => r.Solutions[weightedRefined].Refinement?.GateOpened == true);
            Console.WriteLine($"refinement gate opened (after step-weighted): {opened}/{rows.Count}; (after majority): {rows.Count(r => r.Solutions[majorityRefined].Refinement?.GateOpened == true)}/{rows.Count}");

            if (parse.GetValue(output) is { } path)
            {
                using var writer = new StreamWriter(path);
                foreach (var r in rows)
                {
                    writer.WriteLine(JsonSerializer.Serialize(new
                    {
                        id = r.Problem.Id,
                        gold = r.Problem.Answer,
                        answers = strategies.Select((x, k) => new { strategy = x.Name, answer = r.Solutions[k].Answer, right = r.Right[k], generated_tokens = r.Solutions[k].Usage.GeneratedTokens }),
                        votes = r.Solutions[pool].Tally.Groups.Select(g => new { answer = g.Representative, count = g.Count }),
                        verification = r.Solutions[stepWeighted].Verification is { } v ? new { stopped_early = v.StoppedEarly, budget_exhausted = v.BudgetExhausted, checks = v.Checks.Count } : null,
                        checks = r.Solutions[stepWeighted].Verification?.Checks.Select(c => new { answer = c.Answer, verdict = c.Verdict.ToString(), p_correct = c.CorrectProbability, text = c.Text, steps = c.Steps?.Select(x => new { x.Step, forward = x.ForwardLogProb, inverse = x.InverseLogProb, agrees = x.Agrees, inverse_agrees = x.InverseAgrees, broken = x.Break }) }),
                        rounds = r.Solutions[weightedRefined].Refinement?.Rounds.Select(x => new { outcome = x.Outcome.ToString(), reason = x.Reason, candidate = x.CandidateAnswer }),
                    }));
                }
            }

            return 0;
        }));
        return command;
    }

    /// <summary>Prints how often strategy <paramref name="to"/> was right where <paramref name="from"/> was wrong, and the reverse.</summary>
    private static void Flips(string label, List<Row> rows, int from, int to)
    {
        var wrongToRight = rows.Count(r => !r.Right[from] && r.Right[to]);
        var rightToWrong = rows.Count(r => r.Right[from] && !r.Right[to]);
        // Paired: the same problems and pool under both strategies, so the interval is on per-problem differences.
        var diff = BootstrapInterval.Mean([.. rows.Select(r => (r.Right[to] ? 1.0 : 0.0) - (r.Right[from] ? 1.0 : 0.0))]);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{label}: wrong→right {wrongToRight}, right→wrong {rightToWrong}; difference {diff.Estimate * 100:+0.0;-0.0} points [{diff.Lower * 100:+0.0;-0.0}, {diff.Upper * 100:+0.0;-0.0}]"));
    }

    /// <summary>One strategy: its name and how it turns the pool (first) and its step-weighted selection (second) into a solution.</summary>
    private sealed record Strategy(string Name, Func<Solution, Solution, CancellationToken, Task<Solution>> Run);

    /// <summary>One problem's outcomes, indexed like the strategy table.</summary>
    private sealed record Row(EvalProblem Problem, Solution[] Solutions, bool[] Right);
}
