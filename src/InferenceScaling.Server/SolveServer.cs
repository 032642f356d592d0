using System.Security.Cryptography;
using System.Text;
using InferenceScaling.Runtime;
using InferenceScaling.Scheduling;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;

namespace InferenceScaling.Server;

/// <summary>
/// The HTTP service: <c>POST /v1/solve</c>, OpenAI-compatible <c>POST /v1/chat/completions</c>, <c>GET /v1/models</c>,
/// <c>GET /healthz</c> and Prometheus metrics at <c>/metrics</c>, all decoding on one
/// <see cref="ContinuousBatchScheduler"/>.
/// </summary>
/// <example>
/// <code>
/// await SolveServer.RunAsync(new ServerOptions { ModelFolder = "models/arith-mini" }, ["--urls", "http://127.0.0.1:5080"]);
/// </code>
/// </example>
public static class SolveServer
{
    /// <summary>
    /// Loads the model and builds the web application (not started). Host settings such as <c>--urls</c> come from
    /// <paramref name="args"/>. Disposing the application stops the scheduler and releases the model.
    /// </summary>
    /// <param name="options">Service settings; <see cref="ServerOptions.ModelFolder"/> is required unless <see cref="ServerOptions.Services"/> holds a loaded model (then the caller owns that model).</param>
    /// <param name="args">Host arguments (<c>--urls</c>, configuration overrides).</param>
    /// <returns>The application; start it with <c>RunAsync</c> or <c>StartAsync</c>.</returns>
    /// <exception cref="ArgumentException">No model folder was given.</exception>
    /// <exception cref="ModelLoadException">The model folder cannot be loaded.</exception>
    public static WebApplication Build(ServerOptions options, string[] args)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(args);
        // Services the host built hold their model (the host owns it).
        if (options.Services?.ResolvedModel is { } loaded) return Build(options, args, loaded, ownsModel: false);
        if (string.IsNullOrEmpty(options.ModelFolder)) throw new ArgumentException("ServerOptions.ModelFolder is required (or ServerOptions.Services with a model).", nameof(options));
        var model = DecoderModel.Load(options.ModelFolder, new DecoderModelOptions { IntraOpThreads = options.IntraOpThreads });
        try
        {
            return Build(options, args, model, ownsModel: true);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Builds, starts and runs the service until the host is stopped (Ctrl+C, SIGTERM) or <paramref name="cancellationToken"/> fires.</summary>
    /// <param name="options">Service settings; <see cref="ServerOptions.ModelFolder"/> is required.</param>
    /// <param name="args">Host arguments (<c>--urls</c>, configuration overrides).</param>
    /// <param name="cancellationToken">Stops the service gracefully.</param>
    /// <returns>A task that completes when the service has shut down.</returns>
    public static async Task RunAsync(ServerOptions options, string[] args, CancellationToken cancellationToken = default)
    {
        var app = Build(options, args);
        await using (app.ConfigureAwait(false))
        {
            await app.RunAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Builds the application over a loaded model. <paramref name="createScheduler"/> makes the decode loop (and each
    /// replacement after a fault); default one from <paramref name="options"/> (tests pass paused ones).
    /// </summary>
    internal static WebApplication Build(ServerOptions options, string[] args, DecoderModel model, bool ownsModel, Func<ContinuousBatchScheduler>? createScheduler = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args });
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = options.MaxBodyBytes);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        // The drain below waits ShutdownTimeout for requests in flight; the host's own limit must not cut it short.
        builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = options.ShutdownTimeout + TimeSpan.FromSeconds(5));
        createScheduler ??= () => new ContinuousBatchScheduler(model, new SchedulerOptions
        {
            MaxRows = options.MaxRows,
            MaxRowsPerRequest = options.MaxRowsPerRequest,
            QueueCapacity = Math.Max(options.MaxConcurrentRequests, 1),
        });
        var allowedHosts = AllowedHosts(options, builder.Configuration[WebHostDefaults.ServerUrlsKey]);
        // Registered through factories so the container owns them: disposing the app stops the scheduler, then the model.
        builder.Services.AddSingleton(sp => new DecodeLoopSupervisor(createScheduler, sp.GetRequiredService<ILoggerFactory>().CreateLogger<DecodeLoopSupervisor>()));
        builder.Services.AddSingleton(sp => new ServerState(options, model, ownsModel, sp.GetRequiredService<DecodeLoopSupervisor>()));
        builder.Services.AddHostedService<DrainService>();
        builder.Services.AddOpenTelemetry().WithMetrics(m => m.AddMeter(ContinuousBatchScheduler.MeterName).AddPrometheusExporter());

        var app = builder.Build();
        var state = app.Services.GetRequiredService<ServerState>();
        if (allowedHosts is not null) app.Use(RequireHost(allowedHosts));
        if (options.ApiKey is { } key) app.Use(RequireKey(key, options.MetricsRequireKey));

        app.MapGet("/healthz", () =>
        {
            var scheduler = state.Scheduler;
            var (status, code) = state.Stopping ? ("stopping", 503) : state.Supervisor.IsDegraded ? ("degraded", 503) : ("ok", 200);
            return Results.Json(new HealthBody
            {
                Status = status,
                Model = state.ModelId,
                Device = model.DeviceDescription,
                QueueLength = scheduler.QueueLength,
                ActiveRows = scheduler.Statistics.ActiveRows,
                Restarts = state.Supervisor.Restarts,
            }, ServerJsonContext.Default.HealthBody, statusCode: code);
        });
        app.MapGet("/v1/models", () => Results.Json(new ModelListBody([new ModelBody(state.ModelId)]), ServerJsonContext.Default.ModelListBody));
        app.MapPost("/v1/solve", context => EndpointRunner.RunAsync(context, state, "solve",
            ServerJsonContext.Default.SolveRequest, SolveEndpoint.Expected, SolveEndpoint.HandleAsync));
        app.MapPost("/v1/chat/completions", context => EndpointRunner.RunAsync(context, state, "chat_completions",
            ServerJsonContext.Default.ChatCompletionRequest, ChatCompletionsEndpoint.Expected, ChatCompletionsEndpoint.HandleAsync));
        app.MapPost("/v1/completions", context => EndpointRunner.RunAsync(context, state, "completions",
            ServerJsonContext.Default.CompletionRequest, CompletionsEndpoint.Expected, CompletionsEndpoint.HandleAsync));
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }

    /// <summary>
    /// The hosts a request's <c>Host</c> header may name, or null for any: <see cref="ServerOptions.AllowedHosts"/>,
    /// else the loopback names when every address listened on is loopback (a DNS-rebinding page names its own host).
    /// </summary>
    internal static HashSet<string>? AllowedHosts(ServerOptions options, string? urls)
    {
        if (options.AllowedHosts is { } given)
            return given.Contains("*") ? null : new HashSet<string>(given, StringComparer.OrdinalIgnoreCase);
        var addresses = (urls ?? "http://localhost:5000").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var address in addresses)
        {
            var host = Uri.TryCreate(address.Replace("://+", "://any-host", StringComparison.Ordinal).Replace("://*", "://any-host", StringComparison.Ordinal), UriKind.Absolute, out var uri) ? uri.Host : "";
            var loopback = host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
                || (System.Net.IPAddress.TryParse(host.Trim('[', ']'), out var ip) && System.Net.IPAddress.IsLoopback(ip));
            if (!loopback) return null;
        }

        return new HashSet<string>(["localhost", "127.0.0.1", "[::1]", "::1"], StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Middleware: a request whose <c>Host</c> is not allowed gets 400 before anything else runs.</summary>
    private static Func<HttpContext, RequestDelegate, Task> RequireHost(HashSet<string> allowed) => (context, next) =>
    {
        var host = context.Request.Host.Host;
        if (allowed.Contains(host)) return next(context);
        return ApiErrors.WriteAsync(context, 400, $"The Host header '{context.Request.Host}' is not one this server answers to (allowed: {string.Join(", ", allowed)}); see ServerOptions.AllowedHosts.", null, "invalid_host");
    };

    /// <summary>Middleware: <c>/v1/*</c> (and <c>/metrics</c> when asked) needs <c>Authorization: Bearer &lt;key&gt;</c>.</summary>
    private static Func<HttpContext, RequestDelegate, Task> RequireKey(string key, bool metrics)
    {
        var expected = Encoding.UTF8.GetBytes(key);
        return (context, next) =>
        {
            var path = context.Request.Path;
            if (!path.StartsWithSegments("/v1") && !(metrics && path.StartsWithSegments("/metrics"))) return next(context);
            var header = context.Request.Headers.Authorization.ToString();
            const string scheme = "Bearer ";
            var given = header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) ? Encoding.UTF8.GetBytes(header[scheme.Length..].Trim()) : [];
            // Constant-time comparison: the key must not leak through response timing.
            if (CryptographicOperations.FixedTimeEquals(given, expected)) return next(context);
            context.Response.Headers.WWWAuthenticate = "Bearer";
            return ApiErrors.WriteAsync(context, 401, "Missing or invalid API key: send 'Authorization: Bearer <key>'.", null, "invalid_api_key");
        };
    }
}
