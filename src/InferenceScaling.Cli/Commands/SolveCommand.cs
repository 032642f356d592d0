using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using InferenceScaling.Answers;
using InferenceScaling.Prompts;
using InferenceScaling.Runtime;
using InferenceScaling.Sampling;
using InferenceScaling.Solving;
using InferenceScaling.Voting;

namespace InferenceScaling.Cli.Commands;

/// <summary><c>infscale solve</c>: one question, self-consistency under a budget, the vote and its cost.</summary>
internal static class SolveCommand
{
    public static Command Create()
    {
        var question = new Argument<string>("question") { Description = "The math question." };
        var budget = new Option<string>("--budget", "-b") { Description = "fast | balanced | thorough | a knob in [0,1] | samples=16,tokens=4000,deadline=5s,confidence=0.9,rounds=1.", DefaultValueFactory = _ => "balanced" };
        var samples = new Option<int?>("--samples", "-n") { Description = "Override the budget's maximum samples." };
        var deadline = new Option<string?>("--deadline") { Description = "Wall-clock limit, e.g. 5s or 800ms; the best answer so far is returned, flagged." };
        var target = new Option<double?>("--target-confidence") { Description = "Stop sampling once the leader's posterior reaches this (0–1)." };
        var temperature = new Option<float?>("--temperature", "-t") { Description = "Sampling temperature. Default: the model's generation_config, else 0.8." };
        var maxTokens = new Option<int>("--max-tokens") { Description = "Most tokens per trace.", DefaultValueFactory = _ => 128 };
        var seed = new Option<ulong>("--seed") { Description = "Sampling seed.", DefaultValueFactory = _ => 0UL };
        var vote = new Option<string>("--vote") { Description = "majority | logprob | confidence (DeepConf filtered).", DefaultValueFactory = _ => "majority" };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON." };
        var traces = new Option<bool>("--traces") { Description = "Also print every trace." };
        var model = new ModelArguments();
        var command = new Command("solve", "Solve a question by self-consistency: sample traces in waves, vote, stop when decided or the budget is spent.")
        {
            question, budget, samples, deadline, target, temperature, maxTokens, seed, vote, json, traces,
        };
        model.AddTo(command);
        command.SetAction((parse, ct) => CommandErrors.Guard(async () =>
        {
            var b = Budget.Parse(parse.GetValue(budget)!);
            if (parse.GetValue(samples) is { } n) b = b with { MaxSamples = n };
            if (parse.GetValue(deadline) is { } d) b = b with { Deadline = Budget.Parse("deadline=" + d).Deadline };
            if (parse.GetValue(target) is { } t) b = b with { TargetConfidence = t };
            b.Validate();
            IVotingRule rule = parse.GetValue(vote)!.ToLowerInvariant() switch
            {
                "majority" => MajorityVote.Instance,
                "logprob" => new LogProbWeightedVote(),
                "confidence" => new ConfidenceFilteredVote(),
                var other => throw new FormatException($"--vote: unknown rule '{other}' (majority, logprob, confidence)."),
            };

            using var m = model.Load(parse);
            var prompts = PromptSet.Find(m.PromptSet);
            var options = new SelfConsistencyOptions
            {
                PromptTemplate = prompts.Solve,
                Sampling = new SamplingOptions
                {
                    Temperature = parse.GetValue(temperature) ?? m.DefaultTemperature ?? 0.8f,
                    MaxTokens = parse.GetValue(maxTokens),
                    Seed = parse.GetValue(seed),
                    StopStrings = prompts.StopStrings,
                },
            };
            var solver = new SelfConsistencySolver(new OnnxTraceGenerator(m), new MathAnswerExtractor(), MathAnswerEquivalence.Instance, rule, options);
            var s = await solver.SolveAsync(parse.GetValue(question)!, b, ct).ConfigureAwait(false);
            if (parse.GetValue(json)) Console.WriteLine(JsonSerializer.Serialize(ToJson(s, b, m, parse.GetValue(traces)), new JsonSerializerOptions { WriteIndented = true }));
            else Print(s, b, parse.GetValue(traces));
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
        var u = s.Usage;
        Console.WriteLine(string.Create(inv,
            $"traces: {u.Samples} drawn, {s.TracesCancelled} cancelled, {s.TracesUnanswered} unanswered; tokens: {u.PromptTokens} prompt + {u.GeneratedTokens} generated; forward passes {u.ForwardPasses}; {u.WallTime.TotalMilliseconds:F0} ms; budget {budget}"));
        if (!traces) return;
        foreach (var t in s.Traces.OrderBy(t => t.Index))
            Console.WriteLine($"  [{t.Index}] ({t.FinishReason}) {t.Text.ReplaceLineEndings(" ")}");
    }

    private static object ToJson(Solution s, Budget budget, DecoderModel model, bool traces) => new
    {
        answer = s.Answer,
        vote_share = s.VoteShare,
        confidence = s.Confidence,
        stop_reason = s.StopReason.ToString(),
        deadline_reached = s.StopReason == StopReason.Deadline,
        distribution = s.Tally.Groups.Select(g => new { answer = g.Representative, key = g.Key, count = g.Count, weight = g.Weight, mean_log_prob = g.MeanLogProb }),
        traces_drawn = s.Usage.Samples,
        traces_cancelled = s.TracesCancelled,
        traces_unanswered = s.TracesUnanswered,
        usage = new
        {
            prompt_tokens = s.Usage.PromptTokens,
            generated_tokens = s.Usage.GeneratedTokens,
            forward_passes = s.Usage.ForwardPasses,
            wall_ms = Math.Round(s.Usage.WallTime.TotalMilliseconds, 1),
        },
        budget = budget.ToString(),
        model = model.Folder,
        traces = traces ? s.Traces.OrderBy(t => t.Index).Select(t => new { index = t.Index, text = t.Text, finish_reason = t.FinishReason.ToString(), tokens = t.GeneratedTokens }) : null,
    };
}
