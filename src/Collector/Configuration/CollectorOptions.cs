namespace Collector.Host.Configuration;

/// <summary>The collector's settings: configuration section "Collector", command-line flags, or Collector__Key variables.</summary>
public sealed class CollectorOptions
{
    public const string Section = "Collector";

    /// <summary>Where services send gRPC (HTTP/2). https needs a certificate.</summary>
    public string GrpcUrl { get; set; } = "http://127.0.0.1:4317";

    /// <summary>Where /healthcheck (and later /metrics and the query API) are served.</summary>
    public string HttpUrl { get; set; } = "http://127.0.0.1:4318";

    /// <summary>The durable log's directory.</summary>
    public string DataDir { get; set; } = "./data";

    public int MaxReceiveMessageBytes { get; set; } = 4 * 1024 * 1024;

    public double CommitIntervalMs { get; set; } = 1;

    /// <summary>PEM certificate (or PFX) for TLS on https urls.</summary>
    public string? TlsCertificate { get; set; }

    /// <summary>PEM private key for <see cref="TlsCertificate"/>; absent for a PFX.</summary>
    public string? TlsKey { get; set; }

    /// <summary>This collector's node id, written into every stored row. Default: collector-&lt;host name&gt;.</summary>
    public string? NodeId { get; set; }

    /// <summary>ClickHouse's HTTP interface; none means the edge profile (durable log only, no storage).</summary>
    public string? ClickHouseUrl { get; set; }

    public string ClickHouseDatabase { get; set; } = "telemetry";

    public string? ClickHouseUser { get; set; }

    public string? ClickHousePassword { get; set; }

    /// <summary>The batcher inserts when this many rows, this many bytes, or this much waiting has gathered.</summary>
    public int ClickHouseBatchRows { get; set; } = 100_000;

    public int ClickHouseBatchBytes { get; set; } = 16 * 1024 * 1024;

    public double ClickHouseBatchDelayMs { get; set; } = 1000;

    public int RetentionRawDays { get; set; } = 60;

    public int RetentionRollupDays { get; set; } = 400;

    public string EffectiveNodeId => string.IsNullOrWhiteSpace(NodeId) ? $"collector-{Environment.MachineName}" : NodeId;
}
