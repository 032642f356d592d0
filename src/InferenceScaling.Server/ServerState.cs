using System.Diagnostics.Metrics;
using InferenceScaling.Answers;
using InferenceScaling.Prompts;
using InferenceScaling.Refinement;
using InferenceScaling.Runtime;
using InferenceScaling.Sampling;
using InferenceScaling.Scheduling;
using InferenceScaling.Solving;
using InferenceScaling.Tools;
using InferenceScaling.Verification;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;

namespace InferenceScaling.Server;

/// <summary>
/// What the endpoints share: the model, the scheduler every request decodes on, the prompt format, admission control
/// and the request metrics. One per host; thread-safe.
/// </summary>
internal sealed class ServerState : IAsyncDisposable
{
    /// <summary>Requests being handled now (admission control for 429).</summary>
    private int _inFlight;

    /// <summary>1 once the host is stopping.</summary>
    private int _stopping;

    /// <summary>Completes when <see cref="DrainAsync"/> is first called.</summary>
    private readonly TaskCompletionSource _drainStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the host is stopping and the last request in flight has left.</summary>
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Request latency, by endpoint and status.</summary>
    private readonly Histogram<double> _latency;

    /// <summary>Requests refused as too many.</summary>
    private readonly Counter<long> _rejected;

    /// <summary>The server's meter (same name as the scheduler's, so one exporter subscription covers both).</summary>
    private readonly Meter _meter = new(ContinuousBatchScheduler.MeterName);

    /// <summary>
    /// What every request's pipeline shares (model, scorer, tokenizer, prompt set, the one checker and its profile,
    /// resolved once); null without a prompt set.
    /// </summary>
    private readonly SolverServices? _services;

    /// <summary>Tool sets already bound to the model, by their names joined with commas.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, ToolSet> _tools = new(StringComparer.Ordinal);

    private readonly bool _ownsModel;

    public ServerState(ServerOptions options, DecoderModel model, bool ownsModel, DecodeLoopSupervisor supervisor)
    {
        Options = options;
        Model = model;
        _ownsModel = ownsModel;
        Supervisor = supervisor;
        ModelId = options.ModelId ?? Path.GetFileName(model.Folder.TrimEnd(Path.DirectorySeparatorChar));
        var given = options.Services;
        // A generator over the served model decodes on the scheduler instead, batched with every other request; worker engines stay as given.
        var local = given is null || ReferenceEquals(given.Generator.GetService<DecoderModel>(), model);
        Generator = local ? supervisor : given!.Generator;
        Prompts = given?.Prompts ?? FindPrompts(model.ChatTemplate, options.PromptSet ?? model.PromptSet);
        if (Prompts is not null)
        {
            // Checks run on the shared generator (not a request's progress wrapper); resolved once, pinned for every request.
            var services = (given ?? new SolverServices { Generator = Generator }) with
            {
                Generator = Generator, Model = model, Tokenizer = model.Tokenizer, Prompts = Prompts,
                // The scheduler's scorer: step checks queue at the decode loop's row admission instead of competing with it.
                Scorer = local ? supervisor.Scorer : given!.Scorer,
                // Each request decodes with its own tools (Decoder(tools)); the services must not add the default ones again.
                Tools = null,
            };
            var (checker, checking, _) = services.ResolveChecking();
            _services = services with { Checker = checker, Checking = checking };
        }

        DefaultTools = given?.Tools;
        _latency = _meter.CreateHistogram<double>("inferencescaling.server.request.duration", "s", "Time to answer a request, by endpoint and status.");
        _rejected = _meter.CreateCounter<long>("inferencescaling.server.requests_rejected", "{request}", "Requests refused with 429 (too many in flight or queue full).");
        _meter.CreateObservableGauge("inferencescaling.server.requests_in_flight", () => Volatile.Read(ref _inFlight), "{request}", "Requests being handled.");
    }

    public ServerOptions Options { get; }

    public DecoderModel Model { get; }

    /// <summary>Keeps the decode loop serving; the generator every request decodes on.</summary>
    public DecodeLoopSupervisor Supervisor { get; }

    /// <summary>What requests decode on: the worker engines (<see cref="ServerOptions.Services"/>' generator), else the current scheduler through the supervisor.</summary>
    public ITraceGenerator Generator { get; }

    /// <summary>The scheduler serving now (it changes when a failed loop is replaced).</summary>
    public ContinuousBatchScheduler Scheduler => Supervisor.Current;

    public string ModelId { get; }

    /// <summary>The prompt set, or null for the model's plain <c>Q: …\nA:</c> format.</summary>
    public PromptSet? Prompts { get; }

    /// <summary>Whether the host is stopping: new requests get 503 while the ones in flight finish.</summary>
    public bool Stopping => Volatile.Read(ref _stopping) != 0;

    /// <summary>Completes when the drain starts (tests wait on it instead of polling).</summary>
    internal Task DrainStarted => _drainStarted.Task;

    /// <summary>Requests admitted and not yet answered.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>
    /// Stops admitting and completes when no request is in flight (or at once when none is). Requests that arrive
    /// from now on get 503.
    /// </summary>
    public Task DrainAsync()
    {
        Interlocked.Exchange(ref _stopping, 1);
        _drainStarted.TrySetResult();
        if (Volatile.Read(ref _inFlight) == 0) _drained.TrySetResult();
        return _drained.Task;
    }

    /// <summary>The tools requests decode with when they name none (<see cref="ServerOptions.Services"/>' tools); null for none.</summary>
    public ToolSet? DefaultTools { get; }

    /// <summary>The prompt set's tools <paramref name="names"/>, bound to the model (cached).</summary>
    /// <exception cref="ArgumentException">A name the prompt set does not declare, or no prompt set.</exception>
    public ToolSet ToolsFor(IReadOnlyList<string> names)
    {
        var prompts = Prompts ?? throw new ArgumentException("This server has no prompt set, so no tools.");
        return _tools.GetOrAdd(string.Join(",", names), _ => ToolSet.FromPromptSet(prompts, names, Model.Tokenizer, Model.Signature.VocabularySize));
    }

    /// <summary>What requests decode on, with <paramref name="tools"/> inside the decode loop when given.</summary>
    public ITraceGenerator Decoder(ToolSet? tools) => Generator.UseTools(tools);


    /// <summary>Formats a question into the solve prompt; with a chat template, after the conversation's earlier turns.</summary>
    /// <param name="question">The question.</param>
    /// <param name="history">The conversation's earlier turns; null for none.</param>
    /// <param name="tools">The tools the request decodes with, whose definitions a chat template is given; null for none.</param>
    public string FormatQuestion(string question, IReadOnlyList<Templates.ChatTurn>? history = null, ToolSet? tools = null) =>
        PromptsFor(history, tools)?.Solve(question) ?? SelfConsistencyOptions.FormatDefaultPrompt(question);

    /// <summary>
    /// The prompt set with a conversation's earlier turns bound, when prompts go through a chat template (plain prompts
    /// have no turns), and told about <paramref name="tools"/>.
    /// </summary>
    private PromptSet? PromptsFor(IReadOnlyList<Templates.ChatTurn>? history, ToolSet? tools)
    {
        var prompts = history is { Count: > 0 } && Prompts?.ChatTemplate is not null ? Prompts.WithHistory(history) : Prompts;
        return tools is null ? prompts : prompts?.WithTools(tools);
    }

    /// <summary>Stop strings every generation uses.</summary>
    public IReadOnlyList<string> StopStrings => Prompts?.StopStrings ?? [];

    /// <summary>
    /// The solver for one request, on the shared scheduler: self-consistency with these sampling settings, then, when
    /// the model has a prompt set (critique and revise templates), verification and gated refinement. The request's
    /// budget decides what runs: with <see cref="Budget.MaxVerifications"/> and <see cref="Budget.MaxRefinementRounds"/>
    /// at 0 (the fast and balanced presets) both stages pass the vote through unchanged; checks left to the profile
    /// (thorough) are the checking profile's count.
    /// </summary>
    /// <param name="sampling">How the vote's traces are drawn.</param>
    /// <param name="generator">
    /// What the vote and the revisions draw on; default the scheduler. A wrapper over it can watch the traces
    /// (<see cref="TraceProgress"/>); the checks always run on the scheduler.
    /// </param>
    /// <param name="history">The conversation before the question (chat endpoint), rendered before it through the chat template; null for none.</param>
    public ISolver Solver(SamplingOptions sampling, ITraceGenerator? generator = null, IReadOnlyList<Templates.ChatTurn>? history = null)
    {
        generator ??= Generator;
        // The tools the generator decodes with (Decoder(tools)) are the ones the prompts tell the model about.
        var services = (_services ?? new SolverServices { Generator = generator, Model = Model }) with
        {
            Generator = generator, Prompts = PromptsFor(history, generator.GetService<ToolSet>()), Sampling = sampling,
        };
        return services.AsSolver(b =>
        {
            if (services.Prompts is not null) b.UseVerification().UseRefinement();
        });
    }

    /// <summary>The default sampling of the service.</summary>
    /// <remarks>
    /// The model folder's temperature, top_p and top_k, and <see cref="ServerOptions.DefaultMaxTokens"/> tokens, else the
    /// prompt set's or folder's new-token cap (<see cref="SolverServices.DefaultSampling"/>) up to
    /// <see cref="ServerOptions.MaxTokensPerTrace"/>; the prompt set's stop strings.
    /// </remarks>
    public SamplingOptions DefaultSampling
    {
        get
        {
            var defaults = (_services ?? new SolverServices { Generator = Generator, Model = Model }).DefaultSampling();
            return defaults with { MaxTokens = DefaultMaxTokens(defaults.MaxTokens) };
        }
    }

    /// <summary>Tokens per trace when a request names none: <see cref="ServerOptions.DefaultMaxTokens"/>, else the pipeline's default cap up to <see cref="ServerOptions.MaxTokensPerTrace"/>.</summary>
    private int DefaultMaxTokens(int pipelineDefault) => Options.DefaultMaxTokens ?? Math.Min(pipelineDefault, Options.MaxTokensPerTrace);

    /// <summary>A fresh seed for a request that names none (returned in its response, so the call can be replayed).</summary>
    public static long FreshSeed() => Random.Shared.NextInt64(long.MinValue, long.MaxValue);

    /// <summary>
    /// The per-trace token limit that fits the context: a prompt that leaves no room is a 400
    /// <c>context_length_exceeded</c> naming <paramref name="promptParam"/>; an explicit <paramref name="maxTokens"/>
    /// beyond the room left is one naming <paramref name="maxTokensParam"/> unless <paramref name="truncate"/>, which
    /// cuts it to the room. Without one: <see cref="ServerOptions.DefaultMaxTokens"/>, cut to the room.
    /// </summary>
    public int FitTokens(string prompt, string promptParam, int? maxTokens, string maxTokensParam, bool truncate)
    {
        var tokens = Model.Tokenizer.Encode(prompt).Length;
        var context = Model.Signature.ContextLength;
        if (tokens >= context)
            throw ApiException.BadRequest($"The prompt is {tokens} tokens; the model's context is {context}, leaving no room for an answer.", promptParam, "context_length_exceeded");
        var room = context - tokens;
        if (maxTokens is not { } asked) return Math.Min(DefaultSampling.MaxTokens, room);
        if (asked <= room || truncate) return Math.Min(asked, room);
        throw ApiException.BadRequest(
            $"The prompt is {tokens} tokens and '{maxTokensParam}' asks for {asked}; the model's context is {context}. Ask for at most {room}, or send \"truncate\": true.",
            maxTokensParam, "context_length_exceeded");
    }

    /// <summary>
    /// The budget under the server's ceilings: its deadline at most <see cref="ServerOptions.RequestTimeout"/>, its
    /// tokens at most <see cref="ServerOptions.MaxTokensPerRequest"/>, and checks left to the checking profile
    /// (<see cref="Budget.MaxVerifications"/> null) at most the budget caps' checks.
    /// </summary>
    public Budget Ceil(Budget budget) => budget with
    {
        Deadline = budget.Deadline is { } d && d < Options.RequestTimeout ? d : Options.RequestTimeout,
        MaxGeneratedTokens = budget.MaxGeneratedTokens is { } t && t < Options.MaxTokensPerRequest ? t : Options.MaxTokensPerRequest,
        MaxVerifications = budget.MaxVerifications is null && _services?.Checking is { } profile && budget.VerificationsUnder(profile) > Options.BudgetLimits.MaxChecks
            ? Options.BudgetLimits.MaxChecks : budget.MaxVerifications,
    };

    /// <summary>Cancels every trace of <paramref name="control"/> when the wall-time ceiling passes; dispose to disarm.</summary>
    public IDisposable CutAtCeiling(TraceControl control) => new Timer(_ => control.CancelAll(), null, Options.RequestTimeout, Timeout.InfiniteTimeSpan);

    /// <summary>A JSON result serialized by the source-generated context.</summary>
    public IResult Json<T>(T value) => Results.Json(value, (JsonTypeInfo<T>)ServerJsonContext.Default.GetTypeInfo(typeof(T))!);

    /// <summary>Takes a slot, or returns false when the server is full (answer 429).</summary>
    public bool TryEnter()
    {
        if (Interlocked.Increment(ref _inFlight) <= Options.MaxConcurrentRequests && !Scheduler.IsQueueFull) return true;
        Leave();
        _rejected.Add(1);
        return false;
    }

    public void Leave()
    {
        if (Interlocked.Decrement(ref _inFlight) == 0 && Stopping) _drained.TrySetResult();
    }

    public void RecordLatency(string endpoint, int status, TimeSpan elapsed) =>
        _latency.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("endpoint", endpoint), new KeyValuePair<string, object?>("status", status));

    public async ValueTask DisposeAsync()
    {
        await Supervisor.DisposeAsync().ConfigureAwait(false);
        _meter.Dispose();
        if (_ownsModel) Model.Dispose();
    }

    private static PromptSet? FindPrompts(Templates.ChatTemplate? template, string? name)
    {
        try
        {
            return PromptSet.For(template, name);
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }
}
