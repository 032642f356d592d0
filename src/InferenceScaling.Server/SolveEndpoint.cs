using System.Text.Json;
using InferenceScaling.Solving;
using Microsoft.AspNetCore.Http;

namespace InferenceScaling.Server;

/// <summary><c>POST /v1/solve</c>: self-consistency on one question within a budget.</summary>
internal static class SolveEndpoint
{
    public static async Task<IResult> HandleAsync(JsonElement body, ServerState state, CancellationToken cancellationToken)
    {
        JsonRequest.RejectUnknown(body, null, "question", "budget", "return_traces");
        var question = ReadQuestion(JsonRequest.String(body, "question", "question"), state, "question");
        var budget = BudgetReader.Read(JsonRequest.Get(body, "budget"), state.Options);
        var returnTraces = JsonRequest.Bool(body, "return_traces", "return_traces") ?? false;
        EnsureFits(state, state.FormatQuestion(question), "question");

        var solution = await state.Solver(state.DefaultSampling).SolveAsync(question, budget, cancellationToken).ConfigureAwait(false);
        return Results.Json(new
        {
            id = "solve-" + Guid.NewGuid().ToString("N"),
            @object = "solve",
            model = state.ModelId,
            answer = solution.Answer,
            answer_key = solution.AnswerKey,
            vote_share = solution.VoteShare,
            confidence = solution.Confidence,
            distribution = Distribution(solution),
            verification = solution.Verification is { } v ? new
            {
                selection = v.Selection.ToString().ToLowerInvariant(),
                voted_answer_key = v.VotedAnswerKey,
                changed_answer = v.ChangedAnswer,
                stopped_early = v.StoppedEarly,
                budget_exhausted = v.BudgetExhausted,
                candidates = v.Candidates.Select(c => new
                {
                    answer = c.Answer,
                    key = c.Key,
                    votes = c.Votes,
                    score = c.Score,
                    weight = c.Weight,
                    checks = c.Checks.Select(k => new
                    {
                        verdict = k.Verdict.ToString().ToLowerInvariant(),
                        wrong_step = k.WrongStep,
                        p_correct = k.CorrectProbability,
                        text = k.Text,
                        steps = k.Steps?.Select(st => new { step = st.Step, forward_logprob = st.ForwardLogProb, inverse_logprob = st.InverseLogProb, agrees = st.Agrees, inverse_agrees = st.InverseAgrees, broken = st.Break }),
                        usage = Usage(k.Usage),
                    }),
                }),
                usage = Usage(v.Usage),
            } : null,
            refinement = solution.Refinement is { } r ? new
            {
                gate_opened = r.GateOpened,
                gate_reason = r.GateReason,
                original_answer = r.OriginalAnswer,
                final_answer = r.FinalAnswer,
                changed = r.Changed,
                usage = Usage(r.Usage),
            } : null,
            refinement_rounds = solution.Refinement?.Rounds.Select(x => new
            {
                number = x.Number,
                answer = x.Answer,
                critique = x.Critique.Text,
                verdict = x.Critique.Verdict.ToString().ToLowerInvariant(),
                critique_reused = x.CritiqueReused,
                revisions = x.Revisions.Select(rv => new { text = rv.Trace.Text, answer = rv.Answer }),
                candidate_answer = x.CandidateAnswer,
                outcome = x.Outcome.ToString().ToLowerInvariant(),
                reason = x.Reason,
                usage = Usage(x.Usage),
            }).ToArray() ?? [],
            traces_drawn = solution.TracesDrawn,
            traces_cancelled = solution.TracesCancelled,
            traces_unanswered = solution.TracesUnanswered,
            usage = Usage(solution.Usage),
            stop_reason = StopReasonName(solution.StopReason),
            deadline_reached = solution.IsDeadlineLimited,
            budget = budget.ToString(),
            traces = returnTraces ? solution.Ballots.Select(b => new
            {
                index = b.Trace.Index,
                text = b.Trace.Text,
                answer = b.Answer?.Text,
                finish_reason = StopReasonName(b.Trace.FinishReason),
                generated_tokens = b.Trace.GeneratedTokens,
                mean_log_prob = b.Trace.MeanLogProb,
            }) : null,
        });
    }

    /// <summary>Checks a question's presence and length.</summary>
    public static string ReadQuestion(string? text, ServerState state, string param)
    {
        if (text is null) throw ApiException.BadRequest($"'{param}' is required.", param, "missing_field");
        if (string.IsNullOrWhiteSpace(text)) throw ApiException.BadRequest($"'{param}' must not be empty.", param);
        if (text.Length > state.Options.MaxQuestionChars)
            throw ApiException.BadRequest($"'{param}' is {text.Length} characters; the limit is {state.Options.MaxQuestionChars}.", param, "too_long");
        return text.Trim();
    }

    /// <summary>Rejects a prompt that leaves the model no room to generate.</summary>
    public static void EnsureFits(ServerState state, string prompt, string param)
    {
        var tokens = state.Model.Tokenizer.Encode(prompt).Length;
        var context = state.Model.Signature.ContextLength;
        if (tokens >= context)
            throw ApiException.BadRequest($"The prompt is {tokens} tokens; the model's context is {context}, leaving no room for an answer.", param, "context_length_exceeded");
    }

    public static object[] Distribution(Solution solution)
    {
        double total = 0;
        foreach (var g in solution.Distribution) total += g.Weight;
        return solution.Distribution.Select(g => (object)new
        {
            answer = g.Representative,
            key = g.Key,
            votes = g.Count,
            share = total > 0 ? g.Weight / total : 0,
        }).ToArray();
    }

    public static object Usage(Usage usage) => new
    {
        prompt_tokens = usage.PromptTokens,
        generated_tokens = usage.GeneratedTokens,
        forward_passes = usage.ForwardPasses,
        samples = usage.Samples,
        ms = Math.Round(usage.WallTime.TotalMilliseconds, 1),
    };

    /// <summary>An enum member's name in snake case (<c>MaxSamples</c> → <c>max_samples</c>).</summary>
    public static string StopReasonName<T>(T value) where T : struct, Enum => JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());
}
