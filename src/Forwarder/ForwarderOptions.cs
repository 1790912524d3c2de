namespace Collector.Forwarder;

/// <summary>How the forwarder reaches its upstream and how much it may keep while the upstream is away.</summary>
public sealed class ForwarderOptions
{
    public required Uri UpstreamUrl { get; init; }

    public UpstreamKind Kind { get; init; } = UpstreamKind.Collector;

    /// <summary>This collector's node id: appended to each event's provenance path on the way up.</summary>
    public required string NodeId { get; init; }

    /// <summary>Headers sent on every upstream call (an API key, say). Never logged.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>PEM file of the CA that signs the upstream's certificate (https urls); none means the system store.</summary>
    public string? TlsCaCertificate { get; init; }

    /// <summary>PEM client certificate and key presented to an upstream that asks for one (mTLS); none means none.</summary>
    public string? TlsClientCertificate { get; init; }

    public string? TlsClientKey { get; init; }

    /// <summary>A batch is cut at this many events or bytes of log entries, whichever comes first.</summary>
    public int BatchEvents { get; init; } = 4096;

    public int BatchBytes { get; init; } = 1024 * 1024;

    /// <summary>Parallel streams to an upstream collector (sources are spread over them, each keeping its order).</summary>
    public int Streams { get; init; } = 4;

    /// <summary>
    /// Batches sent and not yet acknowledged (kept in memory, resent after a reconnect), or acknowledged and not yet
    /// held by a commit record (resent after a kill -9): what a failure of either side makes the forwarder send again.
    /// </summary>
    public int MaxInFlightBatches { get; init; } = 16;

    public TimeSpan MinBackoff { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The unforwarded part of the log may not grow past this; the oldest entries are dropped beyond it.</summary>
    public long BudgetBytes { get; init; } = 10L * 1024 * 1024 * 1024;

    /// <summary>Unforwarded entries older than this are dropped.</summary>
    public TimeSpan BudgetAge { get; init; } = TimeSpan.FromDays(30);

    /// <summary>Share of the upstream kept for live events while a backlog drains (0 to 1).</summary>
    public double LiveShare { get; init; } = 0.2;

    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>With <see cref="UpstreamKind.Otlp"/>: the signals the endpoint takes; the others are skipped, counted.</summary>
    public Otlp.OtlpSignal OtlpSignals { get; init; } = Otlp.OtlpSignal.All;
}
