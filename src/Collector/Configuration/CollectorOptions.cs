namespace Collector.Host.Configuration;

/// <summary>The collector's settings: configuration section "Collector", command-line flags, or Collector__Key variables.</summary>
public sealed class CollectorOptions
{
    public const string Section = "Collector";

    /// <summary>The JSON settings file given with --config (read before binding; kept for /telemetry/status).</summary>
    public string? ConfigFile { get; set; }

    /// <summary>Recover a damaged log up to its first damage instead of refusing to start (--repair; see DurableLogOptions.Repair).</summary>
    public bool RepairLog { get; set; }

    /// <summary>Where services send gRPC (HTTP/2). https needs a certificate.</summary>
    public string GrpcUrl { get; set; } = "http://127.0.0.1:4317";

    /// <summary>Where /healthcheck (and later /metrics and the query API) are served.</summary>
    public string HttpUrl { get; set; } = "http://127.0.0.1:4318";

    /// <summary>The durable log's directory.</summary>
    public string DataDir { get; set; } = "./data";

    public int MaxReceiveMessageBytes { get; set; } = 4 * 1024 * 1024;

    public double CommitIntervalMs { get; set; } = 1;

    /// <summary>How often the dedup state is checkpointed and the log truncated behind its consumers.</summary>
    public double CheckpointIntervalMs { get; set; } = 10_000;

    /// <summary>PEM certificate (or PFX) for TLS on https urls.</summary>
    public string? TlsCertificate { get; set; }

    /// <summary>PEM private key for <see cref="TlsCertificate"/>; absent for a PFX.</summary>
    public string? TlsKey { get; set; }

    /// <summary>
    /// This collector's node id, written into every stored row and appended to forwarded events' provenance path.
    /// Default: the id kept in &lt;data-dir&gt;/node-id, else collector-&lt;role&gt;-&lt;host name&gt; (then kept there).
    /// </summary>
    public string? NodeId { get; set; }

    /// <summary>edge, regional, core or standalone; default derived from what is configured (see NodeIdentity).</summary>
    public string? Role { get; set; }

    /// <summary>Comma-separated free tags reported in /healthcheck (a site, a fleet).</summary>
    public string? Tags { get; set; }

    /// <summary>Where the forwarder sends the log; none means no forwarder (and no cost).</summary>
    public string? UpstreamUrl { get; set; }

    /// <summary>collector (telemetry.v1.Collector/Stream, exactly once) or otlp (OTLP/gRPC logs).</summary>
    public string UpstreamKind { get; set; } = "collector";

    /// <summary>With an OTLP upstream: the signals it takes, comma-separated (logs, metrics, traces); the others are skipped.</summary>
    public string UpstreamSignals { get; set; } = "logs,metrics,traces";

    /// <summary>Headers for every upstream call, "name=value" pairs separated by commas or newlines (API keys).</summary>
    public string? UpstreamHeaders { get; set; }

    /// <summary>PEM CA certificate that signs the upstream's TLS certificate; none means the system store.</summary>
    public string? UpstreamCaCertificate { get; set; }

    public int UpstreamBatchEvents { get; set; } = 4096;

    public int UpstreamMaxInFlightBatches { get; set; } = 16;

    /// <summary>Parallel streams to an upstream collector; each source stays on one of them, in order.</summary>
    public int UpstreamStreams { get; set; } = 4;

    public double UpstreamMinBackoffMs { get; set; } = 200;

    public double UpstreamMaxBackoffMs { get; set; } = 30_000;

    public double UpstreamTimeoutMs { get; set; } = 30_000;

    /// <summary>Most bytes the durable log holds in any profile; the oldest entries go first beyond it, counted.</summary>
    public long LogBudgetBytes { get; set; } = 10L * 1024 * 1024 * 1024;

    /// <summary>Resident memory at which ingest is refused (RESOURCE_EXHAUSTED / 429) instead of growing; 0 = a quarter of the memory available, at least 256 MiB.</summary>
    public long MemoryLimitBytes { get; set; }

    /// <summary>Oldest entry the durable log keeps, in days (fractions allowed).</summary>
    public double LogBudgetDays { get; set; } = 30;

    /// <summary>Size of one segment file of a new log (a power of two); an existing log keeps the size it was made with.</summary>
    public long LogSegmentBytes { get; set; } = 1L << 30;

    /// <summary>Share of the upstream kept for live events while a backlog drains (0 to 0.9).</summary>
    public double UpstreamLiveShare { get; set; } = 0.2;

    /// <summary>ClickHouse's HTTP interface; none means the edge profile (durable log only, no storage).</summary>
    public string? ClickHouseUrl { get; set; }

    public string ClickHouseDatabase { get; set; } = "telemetry";

    public string? ClickHouseUser { get; set; }

    public string? ClickHousePassword { get; set; }

    /// <summary>The batcher inserts when this many rows, this many bytes, or this much waiting has gathered.</summary>
    public int ClickHouseBatchRows { get; set; } = 100_000;

    public int ClickHouseBatchBytes { get; set; } = 16 * 1024 * 1024;

    public double ClickHouseBatchDelayMs { get; set; } = 1000;

    /// <summary>The batcher's retry delays while ClickHouse fails; the cap bounds how long storing lags after an outage.</summary>
    public double ClickHouseMinBackoffMs { get; set; } = 100;

    public double ClickHouseMaxBackoffMs { get; set; } = 5000;

    /// <summary>The longest one ClickHouse request may take (a hung server ends in this, then the batcher retries).</summary>
    public double ClickHouseTimeoutMs { get; set; } = 30_000;

    /// <summary>Insert bodies: auto (gzip unless ClickHouse is on a loopback address), gzip or none.</summary>
    public string ClickHouseCompression { get; set; } = "auto";

    public int RetentionRawDays { get; set; } = 60;

    public int RetentionRollupDays { get; set; } = 400;

    /// <summary>OTLP endpoint for the collector's own traces and metrics; none (and no OTEL_EXPORTER_OTLP_ENDPOINT) means off.</summary>
    public string? OtelEndpoint { get; set; }

    /// <summary>grpc or http/protobuf; none means OTEL_EXPORTER_OTLP_PROTOCOL, else grpc.</summary>
    public string? OtelProtocol { get; set; }

    /// <summary>How often the collector's own metrics are exported over OTLP.</summary>
    public double OtelMetricsIntervalMs { get; set; } = 15_000;

    // Security: API keys, mTLS and limits (see README "Security").

    /// <summary>API keys with their roles; none (and no <see cref="ApiKeysFile"/>) means no authentication, loopback only.</summary>
    public List<ApiKeyOptions> ApiKeys { get; set; } = [];

    /// <summary>A file of more API keys, one "name role key" per line, '#' comments.</summary>
    public string? ApiKeysFile { get; set; }

    /// <summary>PEM CA certificate: when set, gRPC callers (https) must present a client certificate it signed (mTLS).</summary>
    public string? TlsClientCa { get; set; }

    /// <summary>PEM client certificate presented to an https upstream that asks for one (mTLS).</summary>
    public string? UpstreamClientCertificate { get; set; }

    /// <summary>PEM private key of <see cref="UpstreamClientCertificate"/>.</summary>
    public string? UpstreamClientKey { get; set; }

    /// <summary>HTTP/2 streams (gRPC calls) one connection may hold open at once.</summary>
    public int MaxStreamsPerConnection { get; set; } = 100;

    /// <summary>gRPC calls in progress over all connections; beyond it a call ends at once with RESOURCE_EXHAUSTED.</summary>
    public int MaxConcurrentStreams { get; set; } = 10_000;

    /// <summary>Events per second one key (or all callers without a key together) may send; 0 = unlimited.</summary>
    public double MaxEventsPerSecondPerKey { get; set; }

    /// <summary>Events a key may send at once after a quiet spell; 0 = one second's worth of <see cref="MaxEventsPerSecondPerKey"/>.</summary>
    public double EventBurstPerKey { get; set; }

    /// <summary>Total size of a request's headers (HTTP/1.1) and of one header field (HTTP/2).</summary>
    public int MaxRequestHeadersBytes { get; set; } = 32 * 1024;

    /// <summary>Longest a client may take to send a request's headers (slow-loris clients are cut off after it).</summary>
    public double RequestHeadersTimeoutMs { get; set; } = 30_000;

    /// <summary>Longest an idle connection is kept open.</summary>
    public double KeepAliveTimeoutMs { get; set; } = 130_000;

    /// <summary>Slowest request body the HTTP url accepts, after a 5 s grace; 0 = no limit. gRPC streams are exempt (they idle).</summary>
    public double MinRequestBodyBytesPerSecond { get; set; } = 240;

    /// <summary>The node id once <see cref="Hosting.NodeIdentity"/> has resolved it at start.</summary>
    public string EffectiveNodeId { get; set; } = $"collector-{Environment.MachineName}";
}
