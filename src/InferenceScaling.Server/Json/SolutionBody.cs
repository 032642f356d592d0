using System.Text.Json;
using System.Text.Json.Serialization;
using InferenceScaling.Solving;

namespace InferenceScaling.Server;

/// <summary>
/// The one JSON form of a <see cref="Solution"/>: the body of <c>/v1/solve</c> (with <see cref="Id"/>,
/// <see cref="Object"/> and <see cref="Model"/>), the <c>self_consistency</c> field of a budgeted chat completion, and
/// what <c>infscale solve --json</c> prints. Built by <see cref="From"/>; serialized by <see cref="ServerJsonContext"/>.
/// </summary>
internal sealed record SolutionBody
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Id { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Object { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Model { get; init; }

    public required string? Answer { get; init; }

    public required string? AnswerKey { get; init; }

    /// <summary>The stage that chose <see cref="Answer"/> (<c>vote</c>, <c>verification</c>, <c>refinement</c>); the vote share, confidence and distribution are that stage's.</summary>
    public required string Stage { get; init; }

    public required double VoteShare { get; init; }

    public required double Confidence { get; init; }

    public required IReadOnlyList<AnswerShareBody> Distribution { get; init; }

    public required VerificationBody? Verification { get; init; }

    public required RefinementBody? Refinement { get; init; }

    public required IReadOnlyList<RoundBody> RefinementRounds { get; init; }

    public required int TracesDrawn { get; init; }

    public required int TracesCancelled { get; init; }

    public required int TracesUnanswered { get; init; }

    public required UsageBody Usage { get; init; }

    public required string StopReason { get; init; }

    public required bool DeadlineReached { get; init; }

    /// <summary>The seed the vote's traces were drawn with, so the call can be replayed; null where the caller did not say.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Seed { get; init; }

    public required string Budget { get; init; }

    /// <summary>The tools the traces decoded with (<c>calc</c>, or <c>none</c>); absent where the caller did not say.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Tools { get; init; }

    /// <summary>Every trace, when asked for; else absent.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<TraceBody>? Traces { get; init; }

    /// <summary>Maps a solution; <paramref name="traces"/> adds every trace with its answer.</summary>
    public static SolutionBody From(Solution solution, Budget budget, bool traces, long? seed = null) => new()
    {
        Answer = solution.Answer,
        AnswerKey = solution.AnswerKey,
        Stage = Name(solution.Stage),
        VoteShare = solution.VoteShare,
        Confidence = solution.Confidence,
        Distribution = Shares(solution),
        Verification = solution.Verification is { } v ? new VerificationBody
        {
            Selection = Name(v.Selection),
            VotedAnswerKey = v.VotedAnswerKey,
            ChangedAnswer = v.ChangedAnswer,
            StoppedEarly = v.StoppedEarly,
            BudgetExhausted = v.BudgetExhausted,
            Candidates = [.. v.Candidates.Select(c => new CandidateBody
            {
                Answer = c.Answer,
                Key = c.Key,
                Votes = c.Votes,
                Score = c.Score,
                Weight = c.Weight,
                Checks = [.. c.Checks.Select(Check)],
            })],
            Usage = UsageBody.From(v.Usage),
        } : null,
        Refinement = solution.Refinement is { } r ? new RefinementBody
        {
            GateOpened = r.GateOpened,
            Gate = Name(r.Gate),
            GateReason = r.GateReason,
            OriginalAnswer = r.OriginalAnswer,
            FinalAnswer = r.FinalAnswer,
            Changed = r.Changed,
            Usage = UsageBody.From(r.Usage),
        } : null,
        RefinementRounds = solution.Refinement?.Rounds.Select(x => new RoundBody
        {
            Number = x.Number,
            Answer = x.Answer,
            Critique = x.Critique.Text,
            Verdict = Name(x.Critique.Verdict),
            CritiqueReused = x.CritiqueReused,
            Revisions = [.. x.Revisions.Select(rv => new RevisionBody { Text = rv.Trace.Text, Answer = rv.Key is null ? null : rv.Answer?.Text })],
            CandidateAnswer = x.CandidateAnswer,
            Confirmation = x.ConfirmationCheck is { } k ? Name(k.Verdict) : null,
            ReVoteLeader = x.ReVoteLeader,
            Outcome = Name(x.Outcome),
            Reason = x.Reason,
            Reasons = [.. x.Reasons.Select(Name)],
            Usage = UsageBody.From(x.Usage),
        }).ToArray() ?? [],
        TracesDrawn = solution.TracesDrawn,
        TracesCancelled = solution.TracesCancelled,
        TracesUnanswered = solution.TracesUnanswered,
        Usage = UsageBody.From(solution.Usage),
        StopReason = Name(solution.StopReason),
        DeadlineReached = solution.IsDeadlineLimited,
        Seed = seed,
        Budget = budget.ToString(),
        Traces = traces ? [.. solution.Ballots.OrderBy(b => b.Trace.Index).Select(b => new TraceBody
        {
            Index = b.Trace.Index,
            Text = b.Trace.Text,
            Answer = b.Answer?.Text,
            FinishReason = Name(b.Trace.FinishReason),
            GeneratedTokens = b.Trace.GeneratedTokens,
            MeanLogProb = b.Trace.MeanLogProb,
            InjectedTokens = b.Trace.InjectedTokens,
            ToolCalls = [.. b.Trace.ToolCalls.Select(c => new ToolCallBody { Tool = c.Tool, Expression = c.Expression, Result = c.Result, Position = c.Position, Error = c.IsError })],
        })] : null,
    };

    /// <summary>Indented JSON, for a console.</summary>
    public string ToIndentedJson() => JsonSerializer.Serialize(this, Indented.GetTypeInfo(typeof(SolutionBody)));

    /// <summary>The service's options, indented.</summary>
    private static readonly JsonSerializerOptions Indented = new(ServerJsonContext.Default.Options) { WriteIndented = true };

    /// <summary>An enum member's name in snake case (<c>MaxSamples</c> → <c>max_samples</c>).</summary>
    public static string Name<T>(T value) where T : struct, Enum => JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());

    private static AnswerShareBody[] Shares(Solution solution)
    {
        double total = 0;
        foreach (var g in solution.Distribution) total += g.Weight;
        return [.. solution.Distribution.Select(g => new AnswerShareBody
        {
            Answer = g.Representative,
            Key = g.Key,
            Votes = g.Count,
            Share = total > 0 ? g.Weight / total : 0,
            MeanLogProb = g.MeanLogProb,
        })];
    }

    private static CheckBody Check(Verification.VerificationCheck k) => new()
    {
        Trace = k.SolutionTraceIndex,
        Verdict = Name(k.Verdict),
        WrongStep = k.WrongStep,
        PVerdict = k.VerdictProbability,
        PCorrect = k.CorrectProbability,
        Text = k.Text,
        Steps = k.Steps?.Select(st => new StepBody
        {
            Step = st.Step,
            ForwardLogprob = st.ForwardLogProb,
            InverseLogprob = st.InverseLogProb,
            Agrees = st.Agrees,
            InverseAgrees = st.InverseAgrees,
            Broken = st.Break,
        }).ToArray(),
        Usage = UsageBody.From(k.Usage),
    };
}

/// <summary>One answer of the vote: its votes and its share of the weight.</summary>
internal sealed record AnswerShareBody
{
    public required string Answer { get; init; }

    public required string Key { get; init; }

    public required int Votes { get; init; }

    public required double Share { get; init; }

    public required double MeanLogProb { get; init; }
}

/// <summary>What verification did.</summary>
internal sealed record VerificationBody
{
    public required string Selection { get; init; }

    public required string? VotedAnswerKey { get; init; }

    public required bool ChangedAnswer { get; init; }

    public required bool StoppedEarly { get; init; }

    public required bool BudgetExhausted { get; init; }

    public required IReadOnlyList<CandidateBody> Candidates { get; init; }

    public required UsageBody Usage { get; init; }
}

/// <summary>One verified candidate answer.</summary>
internal sealed record CandidateBody
{
    public required string Answer { get; init; }

    public required string Key { get; init; }

    public required int Votes { get; init; }

    public required double? Score { get; init; }

    public required double Weight { get; init; }

    public required IReadOnlyList<CheckBody> Checks { get; init; }
}

/// <summary>One check of a candidate.</summary>
internal sealed record CheckBody
{
    public required int? Trace { get; init; }

    public required string Verdict { get; init; }

    public required int? WrongStep { get; init; }

    public required double? PVerdict { get; init; }

    public required double? PCorrect { get; init; }

    public required string Text { get; init; }

    public required IReadOnlyList<StepBody>? Steps { get; init; }

    public required UsageBody Usage { get; init; }
}

/// <summary>One scored step of a step check.</summary>
internal sealed record StepBody
{
    public required string Step { get; init; }

    public required double? ForwardLogprob { get; init; }

    public required double? InverseLogprob { get; init; }

    public required bool Agrees { get; init; }

    public required bool? InverseAgrees { get; init; }

    public required string? Broken { get; init; }
}

/// <summary>What refinement did.</summary>
internal sealed record RefinementBody
{
    public required bool GateOpened { get; init; }

    /// <summary>The gate's decision code (<see cref="Refinement.GateDecision"/>, snake case).</summary>
    public required string Gate { get; init; }

    public required string GateReason { get; init; }

    public required string? OriginalAnswer { get; init; }

    public required string? FinalAnswer { get; init; }

    public required bool Changed { get; init; }

    public required UsageBody Usage { get; init; }
}

/// <summary>One refinement round.</summary>
internal sealed record RoundBody
{
    public required int Number { get; init; }

    public required string? Answer { get; init; }

    public required string Critique { get; init; }

    public required string Verdict { get; init; }

    public required bool CritiqueReused { get; init; }

    public required IReadOnlyList<RevisionBody> Revisions { get; init; }

    public required string? CandidateAnswer { get; init; }

    public required string? Confirmation { get; init; }

    public required string? ReVoteLeader { get; init; }

    public required string Outcome { get; init; }

    public required string Reason { get; init; }

    /// <summary>The acceptance policy's reason codes (<see cref="Refinement.AcceptanceReason"/>, snake case), in the order it found them.</summary>
    public required IReadOnlyList<string> Reasons { get; init; }

    public required UsageBody Usage { get; init; }
}

/// <summary>One revision of a round.</summary>
internal sealed record RevisionBody
{
    public required string Text { get; init; }

    public required string? Answer { get; init; }
}

/// <summary>One trace of the vote.</summary>
internal sealed record TraceBody
{
    public required int Index { get; init; }

    public required string Text { get; init; }

    public required string? Answer { get; init; }

    public required string FinishReason { get; init; }

    public required int GeneratedTokens { get; init; }

    public required double MeanLogProb { get; init; }

    /// <summary>Tokens tools wrote into this trace.</summary>
    public required int InjectedTokens { get; init; }

    /// <summary>The trace's tool calls, in order (empty without tools).</summary>
    public required IReadOnlyList<ToolCallBody> ToolCalls { get; init; }
}

/// <summary>One tool call of a trace: what the model asked, what the tool answered, and where in the trace's tokens.</summary>
internal sealed record ToolCallBody
{
    public required string Tool { get; init; }

    public required string Expression { get; init; }

    public required string Result { get; init; }

    public required int Position { get; init; }

    public required bool Error { get; init; }
}

/// <summary>What a stage spent.</summary>
internal sealed record UsageBody
{
    public required long PromptTokens { get; init; }

    public required long GeneratedTokens { get; init; }

    /// <summary>Tokens tools wrote into the traces, apart from <see cref="GeneratedTokens"/>.</summary>
    public required long InjectedTokens { get; init; }

    public required long ForwardPasses { get; init; }

    public required int Samples { get; init; }

    public required double Ms { get; init; }

    public static UsageBody From(Usage usage) => new()
    {
        PromptTokens = usage.PromptTokens,
        GeneratedTokens = usage.GeneratedTokens,
        InjectedTokens = usage.InjectedTokens,
        ForwardPasses = usage.ForwardPasses,
        Samples = usage.Samples,
        Ms = Math.Round(usage.WallTime.TotalMilliseconds, 1),
    };
}
