using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Security.Cryptography.X509Certificates;
using Collector.Host.Configuration;
using Collector.Host.Grpc;
using Collector.Host.Http;
using Collector.Host.Ingest;
using Collector.Host.Metrics;
using Collector.Host.Otlp;
using Collector.Host.Security;
using Collector.Host.SelfTelemetry;
using Collector.Storage.Dedup;
using Collector.Storage.Log;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace Collector.Host.Hosting;

/// <summary>
/// The collector process: opens and recovers the durable log, then serves gRPC and HTTP on their own listeners.
/// Used by Program and, in-process, by the integration tests.
/// </summary>
public sealed class CollectorApp : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly CollectorMeterFactory _meters;
    private readonly SelfTelemetryProviders? _selfTelemetry;

    private CollectorApp(WebApplication app, DurableLog log, CollectorOptions options, CollectorMeterFactory meters, SelfTelemetryProviders? selfTelemetry)
    {
        _app = app;
        _meters = meters;
        Log = log;
        Options = options;
        _selfTelemetry = selfTelemetry;
    }

    public DurableLog Log { get; }

    public CollectorOptions Options { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>Builds the collector from configuration values ("Collector:GrpcUrl" = ...) on top of the usual sources.</summary>
    public static async Task<CollectorApp> CreateAsync(IReadOnlyDictionary<string, string?> settings, CancellationToken cancellationToken = default)
    {
        // appsettings.json ships beside the binary; relative paths in settings still resolve from the working directory.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        var configFileKey = $"{CollectorOptions.Section}:{ConfigFileSource.Key}";
        builder.Configuration.AddConfigFile(settings.GetValueOrDefault(configFileKey) ?? builder.Configuration[configFileKey]);
        builder.Configuration.AddInMemoryCollection(settings);
        var renamedSettings = RenamedSettings.Apply(builder.Configuration);
        var options = ReadOptions(builder.Configuration);
        var logOptions = new DurableLogOptions
        {
            DataDirectory = Path.GetFullPath(options.DataDir),
            CommitInterval = TimeSpan.FromMilliseconds(options.CommitIntervalMs),
            DedupCheckpointInterval = TimeSpan.FromMilliseconds(options.CheckpointIntervalMs),
            MaxMessageBytes = options.MaxReceiveMessageBytes,
            Repair = options.RepairLog,
            BudgetBytes = options.LogBudgetBytes,
            BudgetAge = TimeSpan.FromDays(options.LogBudgetDays),
            SegmentBytes = options.LogSegmentBytes,
        };

        using var bootLoggers = LoggerFactory.Create(logging => logging.AddConfiguration(builder.Configuration.GetSection("Logging")).AddSimpleConsole());
        var meters = new CollectorMeterFactory();
        foreach (var renamed in renamedSettings)
        {
            CollectorLog.RenamedSettingUsed(bootLoggers.CreateLogger<CollectorApp>(), renamed);
        }

        var log = DurableLog.Open(logOptions, bootLoggers.CreateLogger<DurableLog>(), meters);
        try
        {
            var checkpoint = new DedupCheckpoint(logOptions.DataDirectory);
            var sequences = await SourceSequences.RecoverAsync(log, checkpoint, bootLoggers.CreateLogger<SourceSequences>(), cancellationToken);
            var identity = NodeIdentity.Resolve(options, logOptions.DataDirectory);
            options.EffectiveNodeId = identity.NodeId;
            var consumers = new LogConsumers();
            RegisterServices(builder.Services, options, logOptions, log, sequences, checkpoint);
            builder.Services.AddSingleton(identity);
            builder.Services.AddSingleton(consumers);
            builder.Services.AddClickHouseStorage(options, logOptions.DataDirectory, consumers);
            builder.Services.AddForwarder(options, consumers);
            AddMetrics(builder.Services, meters);
            ConfigureKestrel(builder, options);
            var app = builder.Build();
            StartMetrics(app.Services, meters);
            MapRoutes(app);

            // Started last, so nothing above can fail after the providers exist and leave them undisposed.
            var selfTelemetry = SelfTelemetryOptions.Resolve(options) is { } telemetryOptions
                ? SelfTelemetryProviders.Start(telemetryOptions, identity, app.Services.GetRequiredService<ILoggerFactory>().CreateLogger<SelfTelemetryProviders>())
                : null;
            return new CollectorApp(app, log, options, meters, selfTelemetry);
        }
        catch
        {
            await log.DisposeAsync();
            meters.Dispose();
            throw;
        }
    }

    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        CollectorLog.Listening(_app.Logger, Options.GrpcUrl, Options.HttpUrl, Log.DataDirectory);
        SecurityRegistration.LogAccessMode(_app.Logger, _app.Services.GetRequiredService<ApiKeyRing>());
        return _app.StartAsync(cancellationToken);
    }

    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    /// <summary>
    /// The failure of a background service (batcher, forwarder, checkpoint writer) that ended the collector, or null:
    /// the host stops on it (BackgroundServiceExceptionBehavior.StopHost) as it would on a signal, so Program asks.
    /// </summary>
    public Exception? FatalFailure => _app.Services.GetServices<IHostedService>()
        .OfType<BackgroundService>()
        .Select(service => service.ExecuteTask)
        .FirstOrDefault(task => task is { IsFaulted: true })?.Exception?.GetBaseException();

    public Task StopAsync(CancellationToken cancellationToken = default) => _app.StopAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();

        // Last: every handler has finished, so the final commit covers everything they appended.
        await Log.DisposeAsync();

        // After the log, so the final commit's span is exported too.
        _selfTelemetry?.Dispose();
        _meters.Dispose();
    }

    private static CollectorOptions ReadOptions(ConfigurationManager configuration)
    {
        var options = new CollectorOptions();
        configuration.GetSection(CollectorOptions.Section).Bind(options);
        var result = new CollectorOptionsValidator().Validate(null, options);
        if (result.Failed)
        {
            throw new OptionsValidationException(CollectorOptions.Section, typeof(CollectorOptions), result.Failures);
        }

        return options;
    }

    private static void RegisterServices(
        IServiceCollection services,
        CollectorOptions options,
        DurableLogOptions logOptions,
        DurableLog log,
        SourceSequences sequences,
        DedupCheckpoint checkpoint)
    {
        services.AddSingleton(Microsoft.Extensions.Options.Options.Create(options));
        services.AddSingleton(logOptions);
        services.AddSingleton(log);
        services.AddSingleton(sequences);
        services.AddSingleton(checkpoint);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<DedupCheckpointWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<DedupCheckpointWriter>());
        services.AddSingleton<LogBudget>();
        services.AddHostedService(sp => sp.GetRequiredService<LogBudget>());
        services.AddSecurity(options);
        services.AddSingleton<IngestCounters>();
        services.AddSingleton(sp => new MemoryLimit(
            options.MemoryLimitBytes > 0 ? options.MemoryLimitBytes : MemoryLimit.DefaultLimitBytes(),
            ResidentMemory.ReadBytes,
            sp.GetRequiredService<ILogger<MemoryLimit>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IMeterFactory>()));
        services.AddSingleton<IngestService>();
        services.AddSingleton<UnsequencedIngest>();
        services.AddSingleton<OtlpIngest>();
        services.AddSingleton<OtlpLogsReceiver>();
        services.AddSingleton<OtlpMetricsReceiver>();
        services.AddSingleton<OtlpTracesReceiver>();
        services.AddSingleton<GrpcListenerMiddleware>();
        services.AddStandardGrpcServices(options.MaxReceiveMessageBytes);
        services.AddSingleton<StatusSnapshot>();
        services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(10));
    }

    private static void AddMetrics(IServiceCollection services, CollectorMeterFactory meters)
    {
        // Ours replaces the host's default factory, so every meter of this collector (ASP.NET Core's too) has it as scope.
        services.AddSingleton<IMeterFactory>(meters);
        services.AddSingleton<RequestMetrics>();
        services.AddSingleton<PrometheusExporter>();
    }

    /// <summary>Starts the exporter's listener and registers the observable instruments over the components' totals.</summary>
    private static void StartMetrics(IServiceProvider services, CollectorMeterFactory meters)
    {
        services.GetRequiredService<PrometheusExporter>();
        var meter = meters.Create(PrometheusExporter.MeterName);
        ObservableTotals.Register(meter, services);

        // Its gauges are registered when it is made: made now, so /metrics has them before the first batch.
        services.GetRequiredService<MemoryLimit>();
        StorageInstruments.Register(meter, services);
        ForwarderInstruments.Register(meter, services);
    }

    /// <summary>
    /// The collector's Kestrel settings apart from its listeners: HTTP/2 keep-alive and flow-control windows and the
    /// security limits. Public so that bench/GrpcFloor measures the gRPC stack set up exactly the same way.
    /// </summary>
    public static void ApplyServerSettings(KestrelServerOptions kestrel, CollectorOptions options)
    {
        kestrel.AddServerHeader = false;
        kestrel.Limits.Http2.KeepAlivePingDelay = TimeSpan.FromSeconds(30);
        kestrel.Limits.Http2.KeepAlivePingTimeout = TimeSpan.FromSeconds(20);
        kestrel.Limits.Http2.InitialConnectionWindowSize = 4 * 1024 * 1024;
        kestrel.Limits.Http2.InitialStreamWindowSize = 2 * 1024 * 1024;
        SecurityRegistration.ApplyLimits(kestrel.Limits, options);
    }

    private static void ConfigureKestrel(WebApplicationBuilder builder, CollectorOptions options)
    {
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            ApplyServerSettings(kestrel, options);

            kestrel.Listen(ListenAddress.Parse(options.GrpcUrl), listen =>
            {
                if (ListenAddress.IsHttps(options.GrpcUrl))
                {
                    listen.Protocols = HttpProtocols.Http1AndHttp2;
                    listen.UseHttps(https =>
                    {
                        https.ServerCertificate = LoadCertificate(options);
                        if (options.TlsClientCa is { } clientCa)
                        {
                            ClientCertificatePolicy.Require(https, clientCa);
                        }
                    });
                }
                else
                {
                    // Cleartext gRPC is HTTP/2 with prior knowledge.
                    listen.Protocols = HttpProtocols.Http2;
                }

                listen.Use(next => connection =>
                {
                    GrpcListener.Mark(connection.Items);
                    return next(connection);
                });
            });

            kestrel.Listen(ListenAddress.Parse(options.HttpUrl), listen =>
            {
                // HTTP/2 needs ALPN, so cleartext serves HTTP/1.1 only.
                listen.Protocols = HttpProtocols.Http1;
                if (ListenAddress.IsHttps(options.HttpUrl))
                {
                    listen.Protocols = HttpProtocols.Http1AndHttp2;
                    listen.UseHttps(LoadCertificate(options));
                }
            });
        });
    }

    /// <summary>Counts and times an HTTP request under its route pattern (routing has run by now), never its raw path.</summary>
    private static async Task MeasureAsync(RequestDelegate next, HttpContext context, RequestMetrics metrics)
    {
        var started = Stopwatch.GetTimestamp();
        var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? RequestMetrics.UnmatchedRoute;
        try
        {
            await next(context);
        }
        catch
        {
            metrics.HttpRequestEnded(route, StatusCodes.Status500InternalServerError, started);
            throw;
        }

        metrics.HttpRequestEnded(route, context.Response.StatusCode, started);
    }

    private static X509Certificate2 LoadCertificate(CollectorOptions options)
    {
        var path = options.TlsCertificate ?? throw new InvalidOperationException("TLS needs Collector:TlsCertificate");
        return options.TlsKey is { } key
            ? X509Certificate2.CreateFromPemFile(path, key)
            : X509CertificateLoader.LoadPkcs12FromFile(path, password: null);
    }

    /// <summary>
    /// One pipeline for both listeners: routing (implicit, first), the listener's own middleware (gRPC: protocol
    /// checks, metrics, span; HTTP: metrics), authentication and the access policy, then the endpoints. Each listener
    /// serves only its own endpoints: a gRPC endpoint reached over HTTP is not found, and an HTTP route reached over
    /// gRPC is UNIMPLEMENTED.
    /// </summary>
    private static void MapRoutes(WebApplication app)
    {
        var grpc = app.Services.GetRequiredService<GrpcListenerMiddleware>();
        var metrics = app.Services.GetRequiredService<RequestMetrics>();
        app.Use(next => context =>
        {
            if (GrpcListener.Serves(context))
            {
                return grpc.InvokeAsync(context, next);
            }

            if (GrpcListener.IsGrpcEndpoint(context.GetEndpoint()))
            {
                context.SetEndpoint(null);
            }

            return MeasureAsync(next, context, metrics);
        });
        app.UseAuthentication();
        app.UseAuthorization();
        app.Use(GrpcListenerMiddleware.RefuseUnserved);
        HealthcheckEndpoint.Map(app);
        StatusEndpoints.Map(app);
        QueryEndpoints.Map(app);
        SignalEndpoints.Map(app);
        LogsEndpoint.Map(app);
        OtlpSignalEndpoints.Map(app);
        MetricsEndpoint.Map(app);
        WebPageEndpoints.Map(app);
        app.MapStandardGrpcServices();
    }
}
