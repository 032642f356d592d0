using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace InferenceScaling.Solving;

/// <summary>
/// Exposes a solver as an <see cref="IChatClient"/>: the last user message is the question; the response's text is
/// the winning trace (or the bare answer when the winner's trace is not available); <see cref="ChatResponse.Usage"/>
/// holds prompt and generated tokens; the vote is in <see cref="ChatResponse.AdditionalProperties"/> under the
/// <c>*Property</c> keys of this class, and the whole <see cref="Solution"/> under <see cref="SolutionProperty"/>.
/// Streaming yields the final response as one update. Does not own the solver; thread-safe if the solver is.
/// </summary>
/// <remarks>
/// The budget of a call is <see cref="BudgetOption"/> in <see cref="ChatOptions.AdditionalProperties"/> (a
/// <see cref="Budget"/> or a string for <see cref="Budget.Parse"/>), else the client's default budget.
/// </remarks>
public sealed class SelfConsistencyChatClient : IChatClient
{
    /// <summary>Key in <see cref="ChatOptions.AdditionalProperties"/> for a per-call budget (<see cref="Budget"/> or string).</summary>
    public const string BudgetOption = "budget";

    /// <summary>Response property: the chosen answer (string, or null when no trace answered).</summary>
    public const string AnswerProperty = "answer";

    /// <summary>Response property: the answer's vote share (double).</summary>
    public const string VoteShareProperty = "vote_share";

    /// <summary>Response property: posterior confidence that the answer stays ahead (double).</summary>
    public const string ConfidenceProperty = "confidence";

    /// <summary>Response property: the distribution of answers, winner first (<see cref="IReadOnlyList{T}"/> of <see cref="Voting.AnswerGroup"/>).</summary>
    public const string DistributionProperty = "distribution";

    /// <summary>Response property: why sampling stopped (the <see cref="StopReason"/> name, a string).</summary>
    public const string StopReasonProperty = "stop_reason";

    /// <summary>Response property: traces drawn (int).</summary>
    public const string TracesDrawnProperty = "traces_drawn";

    /// <summary>Response property: traces cancelled (int).</summary>
    public const string TracesCancelledProperty = "traces_cancelled";

    /// <summary>Response property: traces without an answer (int).</summary>
    public const string TracesUnansweredProperty = "traces_unanswered";

    /// <summary>Response property: the full <see cref="Solution"/> (traces included).</summary>
    public const string SolutionProperty = "solution";

    /// <summary>Usage additional count: forward passes (<see cref="Usage.ForwardPasses"/>).</summary>
    public const string ForwardPassesCount = "forward_passes";

    /// <summary>Usage additional count: samples drawn (<see cref="Usage.Samples"/>).</summary>
    public const string SamplesCount = "samples";

    /// <summary>The solver answering the questions.</summary>
    private readonly ISolver _solver;

    /// <summary>Budget of calls that name none.</summary>
    private readonly Budget _defaultBudget;

    /// <summary>Describes this client.</summary>
    private readonly ChatClientMetadata _metadata = new("InferenceScaling");

    /// <summary>Wraps <paramref name="solver"/>.</summary>
    /// <param name="solver">The solver (any pipeline).</param>
    /// <param name="defaultBudget">Budget of calls that name none; default <see cref="Budget.Balanced"/>.</param>
    public SelfConsistencyChatClient(ISolver solver, Budget? defaultBudget = null)
    {
        ArgumentNullException.ThrowIfNull(solver);
        _solver = solver;
        _defaultBudget = (defaultBudget ?? Budget.Balanced).Validate();
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">No message has the user role, or the budget option is not a budget.</exception>
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var question = LastUserText(messages);
        var budget = BudgetOf(options);
        var solution = await _solver.SolveAsync(question, budget, cancellationToken).ConfigureAwait(false);
        return ToResponse(solution, options);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        foreach (var update in response.ToChatResponseUpdates()) yield return update;
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null) return null;
        if (serviceType == typeof(ChatClientMetadata)) return _metadata;
        if (serviceType.IsInstanceOfType(this)) return this;
        return serviceType.IsInstanceOfType(_solver) ? _solver : null;
    }

    /// <summary>Nothing to release: the solver is not owned.</summary>
    public void Dispose()
    {
    }

    private static string LastUserText(IEnumerable<ChatMessage> messages)
    {
        ChatMessage? last = null;
        foreach (var m in messages)
            if (m.Role == ChatRole.User) last = m;
        return last?.Text is { Length: > 0 } text
            ? text
            : throw new ArgumentException("The messages hold no user message with text: the last user message is the question.", nameof(messages));
    }

    private Budget BudgetOf(ChatOptions? options)
    {
        if (options?.AdditionalProperties is not { } props || !props.TryGetValue(BudgetOption, out var value) || value is null) return _defaultBudget;
        return value switch
        {
            Budget b => b.Validate(),
            string s => Budget.Parse(s),
            _ => throw new ArgumentException($"ChatOptions.AdditionalProperties[\"{BudgetOption}\"] must be a Budget or a string, not {value.GetType().Name}.", nameof(options)),
        };
    }

    private static ChatResponse ToResponse(Solution solution, ChatOptions? options)
    {
        var text = solution.WinningTrace?.Text ?? solution.Answer ?? "";
        var usage = solution.Usage;
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, text))
        {
            ModelId = options?.ModelId,
            FinishReason = ChatFinishReason.Stop,
            Usage = new UsageDetails
            {
                InputTokenCount = usage.PromptTokens,
                OutputTokenCount = usage.GeneratedTokens,
                TotalTokenCount = usage.PromptTokens + usage.GeneratedTokens,
                AdditionalCounts = new()
                {
                    [ForwardPassesCount] = usage.ForwardPasses,
                    [SamplesCount] = usage.Samples,
                },
            },
            AdditionalProperties = new()
            {
                [AnswerProperty] = solution.Answer,
                [VoteShareProperty] = solution.VoteShare,
                [ConfidenceProperty] = solution.Confidence,
                [DistributionProperty] = solution.Distribution,
                [StopReasonProperty] = solution.StopReason.ToString(),
                [TracesDrawnProperty] = solution.TracesDrawn,
                [TracesCancelledProperty] = solution.TracesCancelled,
                [TracesUnansweredProperty] = solution.TracesUnanswered,
                [SolutionProperty] = solution,
            },
        };
    }
}
