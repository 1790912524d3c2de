using System.Text;

namespace Collector.Host.Configuration;

/// <summary>
/// The command-line flags and the configuration keys they set. appsettings.json and environment variables
/// (Collector__GrpcUrl, ...) set the same keys; flags win.
/// </summary>
public static class CommandLineFlags
{
    public static readonly IReadOnlyList<(string Flag, string Key, string Help)> All =
    [
        ("--config", "ConfigFile", "JSON settings file (see examples/); environment variables and flags override its keys"),
        ("--grpc-url", "GrpcUrl", "gRPC listen url (h2c on http, TLS with ALPN h2 on https). Default http://127.0.0.1:4317"),
        ("--http-url", "HttpUrl", "HTTP listen url for /healthcheck, POST /v1/logs (OTLP/HTTP and JSON) and the query API. Default http://127.0.0.1:4318"),
        ("--data-dir", "DataDir", "Directory of the durable log. Default ./data"),
        ("--max-receive-message-bytes", "MaxReceiveMessageBytes", "Largest accepted gRPC message, and POST /v1/logs body (after gzip inflation). Default 4194304"),
        ("--commit-interval-ms", "CommitIntervalMs", "Group commit interval of the durable log. Default 1"),
        ("--tls-certificate", "TlsCertificate", "PEM certificate or PFX file for https urls"),
        ("--tls-key", "TlsKey", "PEM private key for --tls-certificate"),
        ("--node-id", "NodeId", "This collector's node id, stored with every event and added to forwarded events' provenance. Default: kept in <data-dir>/node-id, first derived as collector-<role>-<host name>"),
        ("--role", "Role", "edge, regional, core or standalone. Default: core with ClickHouse, edge with an upstream, regional with both"),
        ("--tags", "Tags", "Comma-separated tags reported in /healthcheck"),
        ("--upstream-url", "UpstreamUrl", "Forward the log to this upstream (http:// h2c or https:// TLS). None: no forwarder"),
        ("--upstream-kind", "UpstreamKind", "collector (telemetry.v1 Stream, exactly once) or otlp (OTLP/gRPC logs). Default collector"),
        ("--upstream-headers", "UpstreamHeaders", "Headers for every upstream call: name=value,name2=value2 (prefer Collector__UpstreamHeaders in the environment for keys)"),
        ("--upstream-ca-certificate", "UpstreamCaCertificate", "PEM CA certificate that signs the upstream's certificate. Default: the system store"),
        ("--upstream-batch-events", "UpstreamBatchEvents", "Events per forwarded batch at most. Default 4096"),
        ("--upstream-max-in-flight", "UpstreamMaxInFlightBatches", "Batches sent and not yet acknowledged at most. Default 16"),
        ("--upstream-streams", "UpstreamStreams", "Parallel streams to an upstream collector (each source keeps to one). Default 4"),
        ("--upstream-min-backoff-ms", "UpstreamMinBackoffMs", "First retry delay after an upstream failure. Default 200"),
        ("--upstream-max-backoff-ms", "UpstreamMaxBackoffMs", "Longest retry delay (the backoff doubles up to it, with jitter). Default 30000"),
        ("--upstream-timeout-ms", "UpstreamTimeoutMs", "Deadline of one OTLP export call. Default 30000"),
        ("--upstream-budget-bytes", "UpstreamBudgetBytes", "Most unforwarded log kept while the upstream is away; oldest dropped beyond it. Default 10737418240"),
        ("--upstream-budget-days", "UpstreamBudgetDays", "Oldest unforwarded entry kept, in days. Default 30"),
        ("--upstream-live-share", "UpstreamLiveShare", "Share of the upstream kept for live events while a backlog drains. Default 0.2"),
        ("--clickhouse-url", "ClickHouseUrl", "ClickHouse HTTP interface, e.g. http://127.0.0.1:8123. None: no storage (edge profile)"),
        ("--clickhouse-database", "ClickHouseDatabase", "ClickHouse database, created if missing. Default telemetry"),
        ("--clickhouse-user", "ClickHouseUser", "ClickHouse user (sent as HTTP basic auth)"),
        ("--clickhouse-password", "ClickHousePassword", "ClickHouse password (prefer Collector__ClickHousePassword in the environment)"),
        ("--clickhouse-batch-rows", "ClickHouseBatchRows", "Rows per ClickHouse insert at most. Default 100000"),
        ("--clickhouse-batch-bytes", "ClickHouseBatchBytes", "Bytes per ClickHouse insert at most. Default 16777216"),
        ("--clickhouse-batch-delay-ms", "ClickHouseBatchDelayMs", "Longest an event waits for its insert. Default 1000"),
        ("--retention-raw-days", "RetentionRawDays", "Days raw events are kept in ClickHouse. Default 60"),
        ("--retention-rollup-days", "RetentionRollupDays", "Days rollups are kept in ClickHouse. Default 400"),
        ("--otel-endpoint", "OtelEndpoint", "Send the collector's own traces and metrics over OTLP to this endpoint. Default: OTEL_EXPORTER_OTLP_ENDPOINT, else off"),
        ("--otel-protocol", "OtelProtocol", "grpc or http/protobuf for --otel-endpoint. Default: OTEL_EXPORTER_OTLP_PROTOCOL, else grpc"),
        ("--otel-metrics-interval-ms", "OtelMetricsIntervalMs", "How often the collector's own metrics are exported over OTLP. Default 15000"),
        ("--api-keys-file", "ApiKeysFile", "File of API keys, one 'name role key' per line (role: ingest, query or admin), '#' comments. Keys themselves: file or Collector__ApiKeys__0__Key, never a flag. None: no authentication, loopback only"),
        ("--tls-client-ca", "TlsClientCa", "PEM CA certificate; gRPC callers over https must present a client certificate it signed (mTLS)"),
        ("--upstream-client-certificate", "UpstreamClientCertificate", "PEM client certificate presented to an https upstream (mTLS)"),
        ("--upstream-client-key", "UpstreamClientKey", "PEM private key of --upstream-client-certificate"),
        ("--max-streams-per-connection", "MaxStreamsPerConnection", "gRPC calls one HTTP/2 connection may hold open. Default 100"),
        ("--max-concurrent-streams", "MaxConcurrentStreams", "gRPC calls in progress in total; beyond it RESOURCE_EXHAUSTED. Default 10000"),
        ("--max-events-per-second-per-key", "MaxEventsPerSecondPerKey", "Events per second per API key (token bucket; RESOURCE_EXHAUSTED beyond it). Default 0 (unlimited)"),
        ("--event-burst-per-key", "EventBurstPerKey", "Token bucket size per key. Default 0 (one second's worth)"),
        ("--max-request-headers-bytes", "MaxRequestHeadersBytes", "Largest request headers (431 beyond it). Default 32768"),
        ("--request-headers-timeout-ms", "RequestHeadersTimeoutMs", "Time a client has to send its request headers. Default 30000"),
        ("--keep-alive-timeout-ms", "KeepAliveTimeoutMs", "Idle connections are closed after this. Default 130000"),
        ("--min-request-body-bytes-per-second", "MinRequestBodyBytesPerSecond", "Slowest HTTP request body accepted after 5 s (not gRPC). Default 240; 0 = none"),
    ];

    /// <summary>Maps flags to "Collector:Key" pairs; returns an error for an unknown flag or a missing value.</summary>
    public static string? TryParse(IReadOnlyList<string> args, out Dictionary<string, string?> values, out bool help)
    {
        values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        help = false;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is "--help" or "-h" or "-?")
            {
                help = true;
                continue;
            }

            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            var flag = equals > 0 ? arg[..equals] : arg;
            var entry = All.FirstOrDefault(f => string.Equals(f.Flag, flag, StringComparison.Ordinal));
            if (entry.Flag is null)
            {
                return $"unknown option '{flag}'";
            }

            string value;
            if (equals > 0)
            {
                value = arg[(equals + 1)..];
            }
            else if (i + 1 < args.Count)
            {
                value = args[++i];
            }
            else
            {
                return $"option '{flag}' needs a value";
            }

            values[$"{CollectorOptions.Section}:{entry.Key}"] = value;
        }

        return null;
    }

    public static string HelpText()
    {
        var text = new StringBuilder();
        text.AppendLine("Collector: durable telemetry ingest over gRPC, OTLP and HTTP.");
        text.AppendLine();
        text.AppendLine("Usage: Collector [options]");
        text.AppendLine();
        text.AppendLine("Options. Each sets the configuration key in brackets, which appsettings.json, --config or the");
        text.AppendLine("environment variable Collector__<Key> can also set; flags win over variables, variables over files.");
        foreach (var (flag, key, help) in All)
        {
            text.Append("  ").Append(flag.PadRight(36)).Append(help).Append(" [").Append(CollectorOptions.Section).Append(':').Append(key).AppendLine("]");
        }

        text.Append("  ").Append("--help".PadRight(36)).AppendLine("Show this text.");
        text.Append("  ").Append("--help-markdown".PadRight(36)).AppendLine("Print this reference as the README's markdown table.");
        text.AppendLine();
        text.AppendLine("Settings without a flag:");
        foreach (var (key, environment, defaultValue, meaning) in ConfigurationReference.WithoutFlag)
        {
            var flagless = string.Equals(key, "-", StringComparison.Ordinal);
            text.Append("  ").Append((flagless ? environment : key).PadRight(36)).Append(meaning).Append(". Default ").Append(defaultValue);
            text.AppendLine(flagless ? string.Empty : $" [{environment}]");
        }

        return text.ToString();
    }
}
