using System.Text;

namespace Collector.Host.Configuration;

/// <summary>One flag: the configuration key it sets, its default as text, and what it means; a switch takes no value and sets "true".</summary>
public sealed record FlagReference(string Flag, string Key, string Default, string Meaning, bool Switch = false);

/// <summary>
/// The command-line flags and the configuration keys they set. appsettings.json, --config and environment
/// variables (Collector__GrpcUrl, ...) set the same keys; flags win. This table is the configuration reference:
/// --help and the README's table are printed from it.
/// </summary>
public static class CommandLineFlags
{
    public static readonly IReadOnlyList<FlagReference> All =
    [
        new("--config", "ConfigFile", "none", "JSON settings file (see examples/); environment variables and flags override its keys"),
        new("--grpc-url", "GrpcUrl", "http://127.0.0.1:4317", "gRPC listener: http:// is HTTP/2 cleartext with prior knowledge, https:// is TLS with ALPN h2"),
        new("--http-url", "HttpUrl", "http://127.0.0.1:4318", "HTTP listener for /healthcheck, /metrics, POST /v1/logs, /v1/metrics, /v1/traces (OTLP/HTTP, JSON), the status pages and the query API"),
        new("--data-dir", "DataDir", "./data", "The durable log, its commit records and the dedup checkpoint"),
        new("--max-receive-message-bytes", "MaxReceiveMessageBytes", "4194304", "Largest gRPC message accepted (larger: RESOURCE_EXHAUSTED), and largest POST /v1/logs, /v1/metrics, /v1/traces body (larger: 413)"),
        new("--repair", "RepairLog", "false", "Start on a damaged log (commit records that do not check out, or none) by recovering every intact entry up to the first damage and giving up what lies past it, counted in collector_log_bytes_skipped_total; without it such a start is refused with exit code 3", Switch: true),
        new("--log-budget-bytes", "LogBudgetBytes", "10737418240 (10 GiB)", "Most bytes the durable log holds, in every profile (standalone, ClickHouse away, upstream away); past it the oldest entries are dropped, counted in collector_dropped_events_total{reason=\"log_budget\"} and logged (event 2060). On disk add up to one segment (--log-segment-bytes)"),
        new("--memory-limit-bytes", "MemoryLimitBytes", "0 (a quarter of the memory available: the cgroup limit, else the machine's; at least 256 MiB)", "Resident memory (RSS) at which the collector pushes back instead of growing: every new batch on every way in is refused before anything of it is stored, gRPC RESOURCE_EXHAUSTED with a grpc-retry-pushback-ms trailer, HTTP 429 with Retry-After, until RSS is under 95 % of it; counted in collector_memory_refused_requests_total and logged (events 1300, 1301)"),
        new("--log-budget-days", "LogBudgetDays", "30", "Oldest entry the durable log keeps (fractions allowed); older entries are dropped the same way"),
        new("--log-segment-bytes", "LogSegmentBytes", "1073741824 (1 GiB)", "Size of one segment file of a new log, a power of two from 16 MiB to 4 GiB: the log budget frees disk a whole segment at a time. Fixed when the log is made (kept in <data-dir>/log-geometry); an existing log keeps its size"),
        new("--checkpoint-interval-ms", "CheckpointIntervalMs", "10000", "How often the dedup state is checkpointed and the log's files behind every consumer are deleted; a start replays the log from the last checkpoint"),
        new("--commit-interval-ms", "CommitIntervalMs", "1", "Least time between two group commits of the log"),
        new("--tls-certificate", "TlsCertificate", "none", "PEM certificate (with --tls-key) or PFX, required by https:// urls"),
        new("--tls-key", "TlsKey", "none", "PEM private key"),
        new("--node-id", "NodeId", "kept in <data-dir>/node-id, first derived as collector-<role>-<host>", "This collector's id, stored with every event and appended to forwarded events' provenance.path"),
        new("--role", "Role", "core with ClickHouse, edge with an upstream, regional with both, else standalone", "edge, regional, core or standalone; reported in /healthcheck and /telemetry/status"),
        new("--tags", "Tags", "none", "Comma-separated tags reported in /healthcheck"),
        new("--upstream-url", "UpstreamUrl", "none", "Forward the log to this upstream (http:// h2c, https:// TLS); none = no forwarder, no cost"),
        new("--upstream-kind", "UpstreamKind", "collector", "collector (telemetry.v1 Stream, exactly once) or otlp (OTLP/gRPC logs, metrics and trace Export, at least once)"),
        new("--upstream-signals", "UpstreamSignals", "logs,metrics,traces", "With --upstream-kind otlp: the signals the endpoint takes (a logs-only one: logs); events of the others are not sent to it, counted in collector_forwarder_skipped_events_total{signal}"),
        new("--upstream-headers", "UpstreamHeaders", "none", "name=value,name2=value2 sent on every upstream call (API keys; prefer Collector__UpstreamHeaders); never logged"),
        new("--upstream-ca-certificate", "UpstreamCaCertificate", "system store", "PEM CA that signs the upstream's certificate (private PKI between collectors)"),
        new("--upstream-batch-events", "UpstreamBatchEvents", "4096", "Events per forwarded batch at most"),
        new("--upstream-max-in-flight", "UpstreamMaxInFlightBatches", "16", "Batches sent and not yet acknowledged (kept in memory, resent after a reconnect), or acknowledged and not yet in a commit record (resent after a kill -9)"),
        new("--upstream-streams", "UpstreamStreams", "4", "Parallel streams to an upstream collector; each source stays on one"),
        new("--upstream-min-backoff-ms", "UpstreamMinBackoffMs", "200", "First retry delay after an upstream failure"),
        new("--upstream-max-backoff-ms", "UpstreamMaxBackoffMs", "30000", "Longest retry delay (the backoff doubles up to it, with jitter)"),
        new("--upstream-timeout-ms", "UpstreamTimeoutMs", "30000", "Deadline of one OTLP export"),
        new("--upstream-live-share", "UpstreamLiveShare", "0.2", "Share of the in-flight window kept for live events while a backlog drains"),
        new("--clickhouse-url", "ClickHouseUrl", "none", "ClickHouse's HTTP interface; none = edge profile (no storage)"),
        new("--clickhouse-database", "ClickHouseDatabase", "telemetry", "Created if missing; must match ^[A-Za-z_][A-Za-z0-9_]*$"),
        new("--clickhouse-user", "ClickHouseUser", "none", "Sent as HTTP basic auth"),
        new("--clickhouse-password", "ClickHousePassword", "none", "Prefer the environment: Collector__ClickHousePassword"),
        new("--clickhouse-batch-rows", "ClickHouseBatchRows", "100000", "Rows per insert at most (one ClickHouse block, so all or nothing)"),
        new("--clickhouse-batch-bytes", "ClickHouseBatchBytes", "16777216", "Bytes per insert at most"),
        new("--clickhouse-batch-delay-ms", "ClickHouseBatchDelayMs", "1000", "Longest an event waits for its insert"),
        new("--clickhouse-min-backoff-ms", "ClickHouseMinBackoffMs", "100", "First retry delay after a failed ClickHouse call"),
        new("--clickhouse-max-backoff-ms", "ClickHouseMaxBackoffMs", "5000", "Longest retry delay while ClickHouse fails (the backoff doubles up to it, with jitter), so the most storing lags behind a recovered ClickHouse"),
        new("--clickhouse-compression", "ClickHouseCompression", "auto", "Insert bodies: gzip, none, or auto: none to a ClickHouse on a loopback address (compressing for a local socket costs CPU on both sides and saves nothing), gzip otherwise"),
        new("--clickhouse-timeout-ms", "ClickHouseTimeoutMs", "30000", "Longest one ClickHouse request may take, answer included; a hung server fails the request then, and the batcher checks what was stored before it retries"),
        new("--retention-raw-days", "RetentionRawDays", "60", "Days raw events are kept (whole days dropped)"),
        new("--retention-rollup-days", "RetentionRollupDays", "400", "Days rollups are kept (whole months dropped)"),
        new("--otel-endpoint", "OtelEndpoint", "OTEL_EXPORTER_OTLP_ENDPOINT, else off", "Send the collector's own traces and metrics over OTLP to this endpoint"),
        new("--otel-protocol", "OtelProtocol", "OTEL_EXPORTER_OTLP_PROTOCOL, else grpc", "grpc or http/protobuf for --otel-endpoint"),
        new("--otel-metrics-interval-ms", "OtelMetricsIntervalMs", "15000", "How often the collector's own metrics are exported over OTLP"),
        new("--api-keys-file", "ApiKeysFile", "none", "File of API keys, one 'name role key' per line (role: ingest, query or admin), '#' comments. Keys themselves: file or Collector__ApiKeys__0__Key, never a flag. None: no authentication, loopback only"),
        new("--tls-client-ca", "TlsClientCa", "none", "PEM CA certificate; gRPC callers over https must present a client certificate it signed (mTLS)"),
        new("--upstream-client-certificate", "UpstreamClientCertificate", "none", "PEM client certificate presented to an https upstream (mTLS)"),
        new("--upstream-client-key", "UpstreamClientKey", "none", "PEM private key of --upstream-client-certificate"),
        new("--max-streams-per-connection", "MaxStreamsPerConnection", "100", "HTTP/2 streams one connection may hold (Kestrel)"),
        new("--max-concurrent-streams", "MaxConcurrentStreams", "10000", "gRPC calls in progress in total; a call beyond it ends at once with RESOURCE_EXHAUSTED"),
        new("--max-events-per-second-per-key", "MaxEventsPerSecondPerKey", "0 (unlimited)", "Events per second per API key, a token bucket per key name (callers without a key share one); a batch that does not fit is refused whole with RESOURCE_EXHAUSTED (HTTP: 429 with Retry-After) before anything of it is stored, so the client's retry is clean"),
        new("--event-burst-per-key", "EventBurstPerKey", "one second's worth", "Bucket size; a full bucket lets a larger batch through and is in debt until refilled"),
        new("--max-request-headers-bytes", "MaxRequestHeadersBytes", "32768", "Request headers in total (HTTP/1.1: 431) and one header field (HTTP/2)"),
        new("--request-headers-timeout-ms", "RequestHeadersTimeoutMs", "30000", "A client that takes longer to send its headers (slow loris) is disconnected"),
        new("--keep-alive-timeout-ms", "KeepAliveTimeoutMs", "130000", "Idle connections are closed"),
        new("--min-request-body-bytes-per-second", "MinRequestBodyBytesPerSecond", "240 (after 5 s)", "Slower HTTP bodies are cut off; gRPC calls are exempt, their streams idle on purpose"),
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
            var flag = RenamedSettings.CurrentFlag(equals > 0 ? arg[..equals] : arg);
            var entry = All.FirstOrDefault(f => string.Equals(f.Flag, flag, StringComparison.Ordinal));
            if (entry is null)
            {
                return $"unknown option '{flag}'";
            }

            string value;
            if (entry.Switch && equals < 0)
            {
                value = "true";
            }
            else if (equals > 0)
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
        foreach (var flag in All)
        {
            text.Append("  ").Append(flag.Flag.PadRight(36)).Append(flag.Meaning).Append(". Default ").Append(flag.Default)
                .Append(" [").Append(CollectorOptions.Section).Append(':').Append(flag.Key).AppendLine("]");
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
