using System.Net.Http;

namespace Collector.Forwarder.Otlp;

/// <summary>How <see cref="OtlpUpstream"/> reaches an OTLP/gRPC endpoint (logs, metrics and traces).</summary>
public sealed class OtlpUpstreamOptions
{
    /// <summary>http:// (h2c with prior knowledge) or https:// (TLS, ALPN h2), e.g. http://otel-collector:4317. A path is ignored.</summary>
    public required Uri Endpoint { get; init; }

    /// <summary>This collector's node id, sent as the collector.node.id resource attribute.</summary>
    public required string NodeId { get; init; }

    /// <summary>Headers sent on every call (an API key, say). Never logged.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Deadline of each Export call (sent as grpc-timeout and enforced here).</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>gzip request messages; OTLP records repeat their attribute keys, so they shrink several times over.</summary>
    public bool CompressRequests { get; init; } = true;

    /// <summary>Largest request message (before compression); most OTLP servers accept 4 MiB.</summary>
    public int MaxRequestBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>
    /// Send an empty Export when a session opens, so an unreachable endpoint, a wrong path or a refused credential
    /// fails <see cref="OtlpUpstream.ConnectAsync"/> instead of the first batch. OTLP servers answer an empty request
    /// with OK and store nothing.
    /// </summary>
    public bool ProbeOnConnect { get; init; } = true;

    /// <summary>
    /// The signals the endpoint takes (--upstream-signals). A batch's events of the others are not sent: they count as
    /// delivered for the batch and as skipped (collector.forwarder.skipped, by signal), so a logs-only endpoint (Loki,
    /// say) does not hold the queue with UNIMPLEMENTED answers for metrics and spans.
    /// </summary>
    public OtlpSignal Signals { get; init; } = OtlpSignal.All;

    /// <summary>Last say over the HTTP handler (TLS trust, client certificates); called once.</summary>
    public Action<SocketsHttpHandler>? ConfigureHandler { get; init; }

    /// <summary>The OTLP settings that <see cref="ForwarderOptions"/> carries; TLS trust comes in as <paramref name="configureHandler"/>.</summary>
    public static OtlpUpstreamOptions From(ForwarderOptions options, Action<SocketsHttpHandler>? configureHandler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new OtlpUpstreamOptions
        {
            Endpoint = options.UpstreamUrl,
            NodeId = options.NodeId,
            Headers = options.Headers,
            CallTimeout = options.CallTimeout,
            Signals = options.OtlpSignals,
            ConfigureHandler = configureHandler,
        };
    }
}
