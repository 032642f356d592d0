using System.Security.Cryptography;
using System.Text;
using InferenceScaling.Runtime;
using InferenceScaling.Scheduling;
using Microsoft.AspNetCore.Builder;
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
    /// <param name="options">Service settings; <see cref="ServerOptions.ModelFolder"/> is required.</param>
    /// <param name="args">Host arguments (<c>--urls</c>, configuration overrides).</param>
    /// <returns>The application; start it with <c>RunAsync</c> or <c>StartAsync</c>.</returns>
    /// <exception cref="ArgumentException">No model folder was given.</exception>
    /// <exception cref="ModelLoadException">The model folder cannot be loaded.</exception>
    public static WebApplication Build(ServerOptions options, string[] args)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(args);
        if (string.IsNullOrEmpty(options.ModelFolder)) throw new ArgumentException("ServerOptions.ModelFolder is required.", nameof(options));
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

    /// <summary>Builds the application over a loaded model, optionally on a given scheduler (tests).</summary>
    internal static WebApplication Build(ServerOptions options, string[] args, DecoderModel model, bool ownsModel, ContinuousBatchScheduler? scheduler = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args });
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = options.MaxBodyBytes);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        scheduler ??= new ContinuousBatchScheduler(model, new SchedulerOptions
        {
            MaxRows = options.MaxRows,
            QueueCapacity = Math.Max(options.MaxConcurrentRequests, 1),
        });
        var state = new ServerState(options, model, ownsModel, scheduler);
        // Registered through a factory so the container owns it: disposing the app stops the scheduler, then the model.
        builder.Services.AddSingleton(_ => state);
        builder.Services.AddOpenTelemetry().WithMetrics(m => m.AddMeter(ContinuousBatchScheduler.MeterName).AddPrometheusExporter());

        var app = builder.Build();
        app.Services.GetRequiredService<ServerState>();
        // Kestrel stops taking connections and lets in-flight requests finish (HostOptions.ShutdownTimeout);
        // requests that still arrive on kept-alive connections get a clear 503.
        app.Lifetime.ApplicationStopping.Register(() => state.Stopping = true);
        if (options.ApiKey is { Length: > 0 } key) app.Use(RequireKey(key));

        app.MapGet("/healthz", () => state.Stopping
            ? Results.Json(new { status = "stopping" }, statusCode: 503)
            : Results.Json(new
            {
                status = "ok",
                model = state.ModelId,
                device = model.DeviceDescription,
                queue_length = scheduler.QueueLength,
                active_rows = scheduler.Statistics.ActiveRows,
            }));
        app.MapGet("/v1/models", () => Results.Json(new
        {
            @object = "list",
            data = new[] { new { id = state.ModelId, @object = "model", created = 0, owned_by = "inferencescaling" } },
        }));
        app.MapPost("/v1/solve", context => EndpointRunner.RunAsync(context, state, "solve", SolveEndpoint.HandleAsync));
        app.MapPost("/v1/chat/completions", context => EndpointRunner.RunAsync(context, state, "chat_completions", ChatCompletionsEndpoint.HandleAsync));
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }

    /// <summary>Middleware: <c>/v1/*</c> needs <c>Authorization: Bearer &lt;key&gt;</c>.</summary>
    private static Func<HttpContext, RequestDelegate, Task> RequireKey(string key)
    {
        var expected = Encoding.UTF8.GetBytes(key);
        return (context, next) =>
        {
            if (!context.Request.Path.StartsWithSegments("/v1")) return next(context);
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
