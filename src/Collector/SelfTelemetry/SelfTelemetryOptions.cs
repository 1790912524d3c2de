using Collector.Host.Configuration;
using OpenTelemetry.Exporter;

namespace Collector.Host.SelfTelemetry;

/// <summary>Where the collector's own traces and metrics go: --otel-endpoint, else OTEL_EXPORTER_OTLP_ENDPOINT.</summary>
public sealed record SelfTelemetryOptions(Uri Endpoint, OtlpExportProtocol Protocol, TimeSpan MetricsInterval)
{
    public const string EndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";
    public const string ProtocolVariable = "OTEL_EXPORTER_OTLP_PROTOCOL";

    /// <summary>The settings in force, or null when self-telemetry is off (no endpoint anywhere).</summary>
    public static SelfTelemetryOptions? Resolve(CollectorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var endpoint = options.OtelEndpoint ?? Environment.GetEnvironmentVariable(EndpointVariable);
        if (string.IsNullOrWhiteSpace(endpoint) || !TryParseProtocol(options.OtelProtocol ?? Environment.GetEnvironmentVariable(ProtocolVariable), out var protocol))
        {
            return null;
        }

        return new SelfTelemetryOptions(new Uri(endpoint, UriKind.Absolute), protocol, TimeSpan.FromMilliseconds(options.OtelMetricsIntervalMs));
    }

    /// <summary>The OTLP spec's protocol names; none means grpc.</summary>
    public static bool TryParseProtocol(string? text, out OtlpExportProtocol protocol)
    {
        switch (text?.Trim())
        {
            case null or "" or "grpc":
                protocol = OtlpExportProtocol.Grpc;
                return true;
            case "http/protobuf":
                protocol = OtlpExportProtocol.HttpProtobuf;
                return true;
            default:
                protocol = default;
                return false;
        }
    }

    /// <summary>
    /// The url the exporter posts to. Over HTTP the OTLP spec appends the signal's path to a base endpoint
    /// (the exporter does so only for the environment variable, not for a configured endpoint, so we do it here).
    /// </summary>
    public Uri SignalEndpoint(string signalPath)
    {
        if (Protocol != OtlpExportProtocol.HttpProtobuf)
        {
            return Endpoint;
        }

        var text = Endpoint.AbsoluteUri;
        return new Uri(text.EndsWith('/') ? text + signalPath : text + "/" + signalPath);
    }
}
