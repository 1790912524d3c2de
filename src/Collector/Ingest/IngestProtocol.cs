namespace Collector.Host.Ingest;

/// <summary>The way a batch came in; the protocol label of the ingest metrics.</summary>
public enum IngestProtocol
{
    /// <summary>telemetry.v1.Collector Stream or Send.</summary>
    Grpc,

    /// <summary>OTLP/gRPC Export of logs, metrics or traces.</summary>
    OtlpGrpc,

    /// <summary>OTLP/HTTP POST /v1/logs, /v1/metrics or /v1/traces, protobuf or OTLP JSON.</summary>
    OtlpHttp,

    /// <summary>The simple JSON log API, POST /v1/logs.</summary>
    Json,
}

public static class IngestProtocolNames
{
    public static string Label(this IngestProtocol protocol) => protocol switch
    {
        IngestProtocol.Grpc => "grpc",
        IngestProtocol.OtlpGrpc => "otlp_grpc",
        IngestProtocol.OtlpHttp => "otlp_http",
        IngestProtocol.Json => "json",
        _ => "unknown",
    };
}
