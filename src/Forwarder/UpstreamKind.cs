namespace Collector.Forwarder;

/// <summary>What the forwarder talks to.</summary>
public enum UpstreamKind
{
    /// <summary>Another collector, over telemetry.v1.Collector/Stream; its dedup makes delivery exactly once.</summary>
    Collector,

    /// <summary>Any OTLP/gRPC logs endpoint (opentelemetry.proto.collector.logs.v1.LogsService/Export); at least once.</summary>
    Otlp,
}
