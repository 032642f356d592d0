using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using InferenceScaling.Refinement;
using InferenceScaling.Server;
using InferenceScaling.Solving;
using InferenceScaling.Verification;
using InferenceScaling.Voting;

namespace InferenceScaling.Cli.Commands;

/// <summary>
/// <c>infscale solve</c>: one question, self-consistency under a budget, optionally verified and refined, the vote and
/// its cost. Verification runs with <c>--verify</c> or when the budget allows checks (<c>thorough</c>: as the checking
/// profile says); refinement with <c>--refine</c> or when it allows rounds (<c>thorough</c>: 2). <c>--verify</c> on a
/// budget that allows no checks leaves the count to the prompt set's profile (<c>verifications=auto</c>:
/// <see cref="Prompts.CheckingProfile.ChecksFor"/>, every distinct candidate with arith's step scores, one per four
/// samples with written critiques), <c>--refine</c> <see cref="DefaultRounds"/> round; <c>verifications=0</c> /
/// <c>rounds=0</c> in the budget turn a stage off.
/// </summary>
internal static class SolveCommand
{
    /// <summary>Rounds used by <c>--refine</c> when the budget allows none.</summary>
    public const int DefaultRounds = 1;

    public static Command Create()
    {
        var question = new Argument<string>("question") { Description = "The math question." };
        var budget = new Option<string>("--budget", "-b") { Description = "fast | balanced | thorough | a knob in [0,1] | samples=16,tokens=4000,deadline=5s,confidence=0.9,rounds=1.", DefaultValueFactory = _ => "balanced" };
        var samples = new Option<int?>("--samples", "-n") { Description = "Override the budget's maximum samples." };
        var deadline = new Option<string?>("--deadline") { Description = "Wall-clock limit, e.g. 5s or 800ms; the best answer so far is returned, flagged." };
        var target = new Option<double?>("--target-confidence") { Description = "Stop sampling once the leader's posterior reaches this (0–1)." };
        var temperature = new Option<float?>("--temperature", "-t") { Description = "Sampling temperature. Default: the model's generation_config, else 0.8." };
        var maxTokens = new Option<int?>("--max-tokens") { Description = "Most tokens per trace. Default: the prompt set's max_new_tokens, else the model folder's, else what the context leaves (128 for the shipped model)." };
        var seed = new Option<ulong>("--seed") { Description = "Sampling seed.", DefaultValueFactory = _ => 0UL };
        var vote = new Option<string>("--vote") { Description = "majority | logprob | confidence (DeepConf filtered).", DefaultValueFactory = _ => "majority" };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON." };
        var traces = new Option<bool>("--traces") { Description = "Also print every trace." };
        var verify = new Option<bool>("--verify") { Description = $"Check the candidate answers with the model's critique skill and select by verdicts (on by default when the budget allows checks, e.g. thorough; if it allows none, the prompt set's checks per sample: every candidate with step scores, a quarter of the samples with written critiques)." };
        var refine = new Option<bool>("--refine") { Description = $"Gated refinement: critique a non-decisive winner, revise, keep only confirmed revisions (on by default when the budget allows rounds, e.g. thorough; {DefaultRounds} round if it allows none)." };
        var selection = new Option<string>("--selection") { Description = "With verification: weighted (votes × p(correct)) | verifier (best verdict score wins).", DefaultValueFactory = _ => "weighted" };
        var model = new ModelArguments();
        var backendArgs = new BackendArguments();
        var tools = new ToolsArgument();
        var command = new Command("solve", "Solve a question by self-consistency: sample traces in waves, vote, stop when decided or the budget is spent.")
        {
            question, budget, samples, deadline, target, temperature, maxTokens, seed, vote, json, traces, verify, refine, selection, tools.Option,
        };
        model.AddTo(command);
        backendArgs.AddTo(command);
        command.SetAction((parse, ct) => CommandErrors.Guard(async () =>
        {
            var b = Budget.Parse(parse.GetValue(budget)!);
            if (parse.GetValue(samples) is { } n) b = b with { MaxSamples = n };
            if (parse.GetValue(deadline) is { } d) b = b with { Deadline = Budget.Parse("deadline=" + d).Deadline };
            if (parse.GetValue(target) is { } t) b = b with { TargetConfidence = t };
            // --verify leaves the count to the checking profile (the verification stage resolves it).
            if (parse.GetValue(verify) && b.MaxVerifications == 0) b = b with { MaxVerifications = null };
            if (parse.GetValue(refine) && b.MaxRefinementRounds == 0) b = b with { MaxRefinementRounds = DefaultRounds };
            b.Validate();
            var select = parse.GetValue(selection)!.ToLowerInvariant() switch
            {
                "weighted" => VerificationSelection.Weighted,
                "verifier" or "verifier-only" => VerificationSelection.VerifierOnly,
                var other => throw new FormatException($"--selection: unknown rule '{other}' (weighted, verifier)."),
            };
            IVotingRule rule;
            try
            {
                rule = VotingRules.Parse(parse.GetValue(vote)!);
            }
            catch (FormatException ex)
            {
                throw new FormatException("--vote: " + ex.Message, ex);
            }

            using var m = model.Load(parse);
            // With --backend the traces and scores come from the endpoints; the local model gives the prompts and tokenizer.
            using var backend = backendArgs.Create(parse);
            var services = await BackendArguments.ServicesAsync(parse, backend, m, tools, needsScorer: b.MaxVerifications is not 0 || b.MaxRefinementRounds > 0, promptSet: null, ct).ConfigureAwait(false);
            var defaults = services.DefaultSampling();
            services = services with
            {
                Sampling = defaults with
                {
                    Temperature = parse.GetValue(temperature) ?? defaults.Temperature,
                    MaxTokens = parse.GetValue(maxTokens) ?? defaults.MaxTokens,
                    Seed = parse.GetValue(seed),
                },
            };
            var solver = services.AsSolver(builder =>
            {
                builder.UseVotingRule(rule);
                if (b.MaxVerifications is not 0) builder.UseVerification(o => o with { Selection = select });
                if (b.MaxRefinementRounds > 0) builder.UseRefinement();
            });
            var s = await solver.SolveAsync(parse.GetValue(question)!, b, ct).ConfigureAwait(false);
            // The service's Solution JSON (/v1/solve, chat completions' self_consistency), so the two never drift.
            if (parse.GetValue(json)) Console.WriteLine((SolutionBody.From(s, b, parse.GetValue(traces), (long)parse.GetValue(seed)) with { Model = m.Folder }).ToIndentedJson());
            else Print(s, b, parse.GetValue(traces));
            if (backend is not null) BackendArguments.PrintStatistics(backend, Console.Error);
            return 0;
        }));
        return command;
    }

    private static void Print(Solution s, Budget budget, bool traces)
    {
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine($"answer: {s.Answer ?? "(none)"}");
        Console.WriteLine(string.Create(inv, $"vote share {s.VoteShare:P0}, posterior confidence {s.Confidence:F3}, stopped: {s.StopReason}"));
        foreach (var g in s.Tally.Groups)
            Console.WriteLine(string.Create(inv, $"  {g.Representative,-12} {g.Count,3} votes  weight {g.Weight,6:F2}  mean logp {g.MeanLogProb,7:F3}"));
        if (s.Verification is { } v)
        {
            Console.WriteLine(string.Create(inv, $"verification ({v.Selection}): {v.Checks.Count} checks{(v.StoppedEarly ? ", stopped: leader cannot be overtaken" : "")}{(v.BudgetExhausted ? ", budget exhausted" : "")}; {v.Usage.GeneratedTokens} tokens{(v.ChangedAnswer ? $"; changed the vote's answer ({v.VotedAnswerKey})" : "")}"));
            foreach (var c in v.Candidates)
            {
                Console.WriteLine(string.Create(inv, $"  {c.Answer,-12} {c.Votes,3} votes  score {(c.Score is { } sc ? sc.ToString("F3", inv) : "  -  "),5}  weight {c.Weight,6:F2}"));
                foreach (var k in c.Checks)
                    Console.WriteLine(string.Create(inv, $"    check [{k.SolutionTraceIndex}] {k.Verdict}{(k.WrongStep is { } ws ? $" at step {ws}" : "")} p(correct) {(k.CorrectProbability is { } pc ? pc.ToString("F3", inv) : "-")}: {k.Text.Trim().ReplaceLineEndings(" ")}"));
            }
        }

        if (s.Refinement is { } r)
        {
            Console.WriteLine($"refinement: {(r.GateOpened ? "ran" : "skipped")} ({r.GateReason}); {r.Rounds.Count} round(s); {(r.Changed ? $"changed {r.OriginalAnswer} -> {r.FinalAnswer}" : "answer kept")}; {r.Usage.GeneratedTokens} tokens");
            foreach (var round in r.Rounds)
            {
                Console.WriteLine(string.Create(inv, $"  round {round.Number}: critique of {round.Answer}{(round.CritiqueReused ? " (reused)" : "")}: {round.Critique.Verdict}: {round.Critique.Text.Trim().ReplaceLineEndings(" ")}"));
                foreach (var rev in round.Revisions)
                    Console.WriteLine($"    revision [{rev.Trace.Index}] -> {(rev.Key is null ? null : rev.Answer?.Text) ?? "(no answer)"}: {rev.Trace.Text.Trim().ReplaceLineEndings(" ")}");
                Console.WriteLine(string.Create(inv, $"    {round.Outcome}: {round.Reason}; {round.Usage.GeneratedTokens} tokens"));
            }
        }

        var u = s.Usage;
        Console.WriteLine(string.Create(inv,
            $"traces: {u.Samples} drawn, {s.TracesCancelled} cancelled, {s.TracesUnanswered} unanswered; tokens: {u.PromptTokens} prompt + {u.GeneratedTokens} generated{(u.InjectedTokens > 0 ? $" + {u.InjectedTokens} injected by tools" : "")}; forward passes {u.ForwardPasses}; {u.WallTime.TotalMilliseconds:F0} ms; budget {budget}"));
        if (!traces) return;
        foreach (var t in s.Traces.OrderBy(t => t.Index))
            Console.WriteLine($"  [{t.Index}] ({t.FinishReason}) {t.Text.ReplaceLineEndings(" ")}");
    }
}
