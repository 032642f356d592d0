using System.Runtime.CompilerServices;
using InferenceScaling.Sampling;
using InferenceScaling.Templates;
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
/// Built with a solver factory, each call gets a solver for its own sampling (<see cref="ChatOptions.Temperature"/>,
/// <see cref="ChatOptions.TopP"/>, <see cref="ChatOptions.MaxOutputTokens"/>, <see cref="ChatOptions.StopSequences"/>
/// added to the base stop strings, <see cref="ChatOptions.Seed"/>) and the whole conversation before the last user
/// message (system and history, as <see cref="ChatTurn"/>s, for the prompt set's chat template). Built with one fixed
/// solver, only the last user message reaches it, and a call that sets those options is refused rather than answered
/// with settings it did not ask for.
/// </remarks>
internal sealed class SelfConsistencyChatClient : IChatClient
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

    /// <summary>The solver answering the questions (fixed-solver form); null with a factory.</summary>
    private readonly ISolver? _solver;

    /// <summary>Makes the solver of one call from its sampling and the conversation before the question; null with a fixed solver.</summary>
    private readonly Func<SamplingOptions, IReadOnlyList<ChatTurn>, ISolver>? _solverFor;

    /// <summary>Sampling of calls that set no options (factory form).</summary>
    private readonly SamplingOptions _sampling = new();

    private readonly Budget _defaultBudget;

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

    /// <summary>Answers each call with a solver made for it: its sampling and the conversation before the question.</summary>
    /// <param name="solverFor">
    /// Makes the solver of one call from its sampling (<paramref name="sampling"/> with the call's
    /// <see cref="ChatOptions"/> applied) and the turns before the last user message (system, user, assistant, tool;
    /// empty for a lone question). Typically binds the turns with <see cref="Prompts.PromptSet.WithHistory"/>.
    /// </param>
    /// <param name="sampling">Sampling of calls that set no options.</param>
    /// <param name="defaultBudget">Budget of calls that name none; default <see cref="Budget.Balanced"/>.</param>
    public SelfConsistencyChatClient(Func<SamplingOptions, IReadOnlyList<ChatTurn>, ISolver> solverFor, SamplingOptions sampling, Budget? defaultBudget = null)
    {
        ArgumentNullException.ThrowIfNull(solverFor);
        ArgumentNullException.ThrowIfNull(sampling);
        _solverFor = solverFor;
        _sampling = sampling;
        _defaultBudget = (defaultBudget ?? Budget.Balanced).Validate();
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">No message has the user role, or the budget option is not a budget.</exception>
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var (question, history) = Conversation(messages);
        var budget = BudgetOf(options);
        var solver = _solver ?? _solverFor!(SamplingOf(options), history);
        if (_solver is not null) RefuseSamplingOptions(options);
        var solution = await solver.SolveAsync(question, budget, cancellationToken).ConfigureAwait(false);
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
        return _solver is not null && serviceType.IsInstanceOfType(_solver) ? _solver : null;
    }

    /// <summary>Nothing to release: the solver is not owned.</summary>
    public void Dispose()
    {
    }

    /// <summary>The last user message (the question) and the turns before it.</summary>
    private static (string Question, IReadOnlyList<ChatTurn> History) Conversation(IEnumerable<ChatMessage> messages)
    {
        var list = messages as IReadOnlyList<ChatMessage> ?? [.. messages];
        var last = -1;
        for (var i = 0; i < list.Count; i++)
            if (list[i].Role == ChatRole.User) last = i;
        if (last < 0 || list[last].Text is not { Length: > 0 } question)
            throw new ArgumentException("The messages hold no user message with text: the last user message is the question.", nameof(messages));
        var history = new List<ChatTurn>(last);
        for (var i = 0; i < last; i++) history.Add(new ChatTurn(list[i].Role.Value, list[i].Text));
        return (question, history);
    }

    /// <summary>The base sampling with the call's options applied.</summary>
    /// <exception cref="ArgumentException">An option out of range; the message names it.</exception>
    private SamplingOptions SamplingOf(ChatOptions? options)
    {
        if (options is null) return _sampling;
        var sampling = _sampling with
        {
            Temperature = options.Temperature ?? _sampling.Temperature,
            TopP = options.TopP ?? _sampling.TopP,
            MaxTokens = options.MaxOutputTokens ?? _sampling.MaxTokens,
            Seed = options.Seed is { } seed ? unchecked((ulong)seed) : _sampling.Seed,
            StopStrings = options.StopSequences is { Count: > 0 } stops ? [.. _sampling.StopStrings, .. stops] : _sampling.StopStrings,
        };
        if (sampling.Temperature < 0) throw new ArgumentException($"ChatOptions.Temperature must be at least 0; got {sampling.Temperature}.", nameof(options));
        if (sampling.TopP is <= 0 or > 1) throw new ArgumentException($"ChatOptions.TopP must be in (0, 1]; got {sampling.TopP}.", nameof(options));
        if (sampling.MaxTokens < 1) throw new ArgumentException($"ChatOptions.MaxOutputTokens must be at least 1; got {sampling.MaxTokens}.", nameof(options));
        if (sampling.StopStrings.Any(string.IsNullOrEmpty)) throw new ArgumentException("ChatOptions.StopSequences must not hold empty strings.", nameof(options));
        return sampling;
    }

    /// <summary>A fixed solver's sampling is its own: a call that asks for other settings is refused, not silently answered.</summary>
    private static void RefuseSamplingOptions(ChatOptions? options)
    {
        if (options is null) return;
        string? field = options.Temperature is not null ? nameof(ChatOptions.Temperature)
            : options.TopP is not null ? nameof(ChatOptions.TopP)
            : options.MaxOutputTokens is not null ? nameof(ChatOptions.MaxOutputTokens)
            : options.StopSequences is { Count: > 0 } ? nameof(ChatOptions.StopSequences)
            : options.Seed is not null ? nameof(ChatOptions.Seed)
            : null;
        if (field is not null)
            throw new ArgumentException($"ChatOptions.{field} cannot be honoured: this client wraps one fixed solver; build it with a solver factory to set sampling per call.", nameof(options));
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
