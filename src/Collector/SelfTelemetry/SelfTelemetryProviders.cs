using Collector.Host.Hosting;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Collector.Host.SelfTelemetry;

/// <summary>
/// The OpenTelemetry SDK's tracer and meter providers, built by hand (no hosting extension here) and disposed with
/// the collector, which flushes what they hold. Exports run on the SDK's own threads with bounded queues: an
/// absent endpoint costs a warning and dropped spans, never ingest or unbounded memory.
/// </summary>
public sealed class SelfTelemetryProviders : IDisposable
{
    /// <summary>The most spans waiting for export; beyond it the SDK drops new ones (and counts them).</summary>
    public const int MaxQueuedSpans = 4096;

    private readonly TracerProvider _tracing;
    private readonly MeterProvider _metrics;
    private readonly ExporterFailureListener _failures;

    private SelfTelemetryProviders(TracerProvider tracing, MeterProvider metrics, ExporterFailureListener failures)
    {
        _tracing = tracing;
        _metrics = metrics;
        _failures = failures;
    }

    public static SelfTelemetryProviders Start(SelfTelemetryOptions options, NodeIdentity identity, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(identity);

        // Listening first: a failure of the very first export is reported too.
        var failures = new ExporterFailureListener(logger, TimeProvider.System, TimeSpan.FromMinutes(1));
        var resource = ResourceBuilder.CreateDefault()
            .AddService("collector", serviceVersion: CollectorVersion.Text, serviceInstanceId: identity.NodeId)
            .AddAttributes([new("collector.node.id", identity.NodeId), new("collector.role", identity.Role)]);

        var spanExporter = new OtlpTraceExporter(ExporterOptions(options, "v1/traces"));
        var tracing = Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(resource)
            .AddSource(HostActivity.Source.Name)
            .AddProcessor(new BatchActivityExportProcessor(spanExporter, maxQueueSize: MaxQueuedSpans, scheduledDelayMilliseconds: 1000, exporterTimeoutMilliseconds: 10_000, maxExportBatchSize: 512))
            .Build();

        var metricExporter = new OtlpMetricExporter(ExporterOptions(options, "v1/metrics"));
        var interval = (int)Math.Clamp(options.MetricsInterval.TotalMilliseconds, 100, int.MaxValue);
        var metrics = Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(resource)
            .AddMeter("Collector", "Collector.*")
            .AddReader(new PeriodicExportingMetricReader(metricExporter, interval, exportTimeoutMilliseconds: 10_000))
            .Build();

        SelfTelemetryLog.Enabled(logger, options.Endpoint, options.Protocol == OtlpExportProtocol.Grpc ? "grpc" : "http/protobuf");
        return new SelfTelemetryProviders(tracing, metrics, failures);
    }

    public void Dispose()
    {
        // Disposing flushes: the last spans and a final metric export go out (each bounded by its timeout).
        _tracing.Dispose();
        _metrics.Dispose();
        _failures.Dispose();
    }

    private static OtlpExporterOptions ExporterOptions(SelfTelemetryOptions options, string signalPath) => new()
    {
        Endpoint = options.SignalEndpoint(signalPath),
        Protocol = options.Protocol,
        TimeoutMilliseconds = 10_000,
    };
}
