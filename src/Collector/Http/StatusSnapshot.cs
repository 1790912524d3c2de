using System.Diagnostics;
using Collector.Forwarder;
using Collector.Host.Configuration;
using Collector.Host.Hosting;
using Collector.Host.Ingest;
using Collector.Host.Metrics;
using Collector.Host.Security;
using Collector.Storage.ClickHouse;
using Collector.Storage.Dedup;
using Collector.Storage.Log;
using Microsoft.Extensions.Options;

namespace Collector.Host.Http;

/// <summary>
/// What the status endpoints report, read once per request from the live counters. The internal view names
/// everything; <see cref="Public"/> keeps only aggregates that identify no source, node or site.
/// </summary>
public sealed class StatusSnapshot(
    DurableLog log,
    IngestCounters ingest,
    SourceSequences sources,
    LogConsumers consumers,
    NodeIdentity identity,
    RequestMetrics requests,
    DurableLogOptions logOptions,
    IOptions<CollectorOptions> options,
    IServiceProvider services)
{
    private static readonly DateTimeOffset StartedAt = ProcessStart();

    private static double UptimeSeconds => Math.Round((DateTimeOffset.UtcNow - StartedAt).TotalSeconds, 3);

    /// <summary>The full internal state, for operators (admin key).</summary>
    public async Task<object> InternalAsync(CancellationToken cancellationToken)
    {
        var fault = log.Fault;
        var committed = log.CommittedUntilAddress;
        return new
        {
            status = fault is null ? "healthy" : "unhealthy",
            reason = fault?.Message,
            version = CollectorVersion.Text,
            started_at = StartedAt,
            uptime_seconds = UptimeSeconds,
            node = new { id = identity.NodeId, role = identity.Role, tags = identity.Tags },
            listen = new { grpc_url = options.Value.GrpcUrl, http_url = options.Value.HttpUrl },
            log = new
            {
                data_dir = log.DataDirectory,
                writable = fault is null,
                begin_address = log.BeginAddress,
                tail_address = log.TailAddress,
                committed_until = committed,
                size_bytes = log.TailAddress - log.BeginAddress,
                disk_bytes = DirectoryBytes(log.DataDirectory),
                disk_free_bytes = log.DiskFreeBytes,
                entries_appended_since_start = log.AppendedEntries,
                budget_bytes = logOptions.BudgetBytes,
                budget_days = logOptions.BudgetAge.TotalDays,
            },
            consumers = consumers.Snapshot()
                .OrderBy(c => c.Key, StringComparer.Ordinal)
                .Select(c => new { name = c.Key, completed_until = c.Value, lag_bytes = c.Value < 0 ? committed - log.BeginAddress : Math.Max(0, committed - c.Value) }),
            sources = new { known = sources.Count },
            ingest = Ingest(),
            ack_latency = AckLatency(),
            clickhouse = await ClickHouseAsync(committed, cancellationToken),
            upstream = Upstream(includeTarget: true),
        };
    }

    /// <summary>Aggregates only: safe to show on a public dashboard.</summary>
    public object Public()
    {
        var fault = log.Fault;
        var batcher = services.GetService<TableBatcherCounters>();
        var forwarder = services.GetService<ForwarderCounters>();
        return new
        {
            status = fault is null ? "healthy" : "unhealthy",
            version = CollectorVersion.Text,
            uptime_seconds = UptimeSeconds,
            events = new { accepted = ingest.Accepted, duplicates = ingest.Duplicates, rejected = ingest.Rejected },
            sources = sources.Count,
            storage = new { enabled = batcher is not null, rows_inserted = batcher?.RowsInserted },
            forwarding = new { enabled = forwarder is not null, connected = forwarder?.Connected, backlog_bytes = forwarder?.BacklogBytes },

            // So the web page knows to ask for a key before it calls anything that needs one (a 401 would tell as much).
            api_keys_required = services.GetRequiredService<ApiKeyRing>().Enabled,
        };
    }

    private Dictionary<string, object> Ingest()
    {
        var result = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["total"] = new { batches = ingest.Batches, accepted = ingest.Accepted, duplicates = ingest.Duplicates, rejected = ingest.Rejected, loops = ingest.Loops },
        };
        foreach (var protocol in Enum.GetValues<IngestProtocol>())
        {
            var t = ingest.For(protocol);
            result[protocol.Label()] = new { batches = t.Batches, accepted = t.Accepted, duplicates = t.Duplicates, rejected = t.Rejected, bytes = t.Bytes };
        }

        return result;
    }

    private object AckLatency()
    {
        var summary = requests.AckLatency.Summarize();
        return new
        {
            window_seconds = AckLatencyWindow.WindowSeconds,
            acks = summary.Acks,
            p50_ms = Milliseconds(summary.P50),
            p95_ms = Milliseconds(summary.P95),
            p99_ms = Milliseconds(summary.P99),
        };

        static double? Milliseconds(double? seconds) => seconds is { } s ? Math.Round(s * 1000, 3) : null;
    }

    private async Task<object?> ClickHouseAsync(long committed, CancellationToken cancellationToken)
    {
        if (services.GetService<TableBatcherCounters>() is not { } batcher)
        {
            return null;
        }

        var settings = services.GetRequiredService<ClickHouseOptions>();
        var client = services.GetRequiredService<ClickHouseClient>();
        var ping = Stopwatch.StartNew();
        bool reachable;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            // A status page must answer even when ClickHouse hangs.
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            try
            {
                reachable = await client.PingAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                reachable = false;
            }
        }

        return new
        {
            url = WithoutCredentials(settings.Url),
            database = settings.Database,
            reachable,
            ping_ms = Math.Round(ping.Elapsed.TotalMilliseconds, 1),
            rows_inserted = batcher.RowsInserted,
            inserts = batcher.Batches,
            failures = batcher.Failures,
            dead_lettered = batcher.DeadLettered,
            completed_until = batcher.CompletedUntil,
            lag_bytes = Math.Max(0, committed - batcher.CompletedUntil),
            last_error = batcher.LastError,
            tables = TableStatus.Of(batcher, log),
        };
    }

    private object? Upstream(bool includeTarget)
    {
        if (services.GetService<ForwarderCounters>() is not { } forwarder)
        {
            return null;
        }

        return new
        {
            target = includeTarget ? services.GetRequiredService<IUpstream>().Describe : null,
            connected = forwarder.Connected,
            live_lane = forwarder.LiveLaneActive,
            events_forwarded = forwarder.EventsForwarded,
            backlog_entries = forwarder.BacklogEntries,
            backlog_bytes = forwarder.BacklogBytes,
            last_success_unix_ms = forwarder.LastSuccessUnixMs,
            failures = forwarder.FailuresByReason,
            dropped_by_budget = forwarder.DroppedByBudget,
        };
    }

    private static DateTimeOffset ProcessStart()
    {
        using var process = Process.GetCurrentProcess();
        return new DateTimeOffset(process.StartTime.ToUniversalTime(), TimeSpan.Zero);
    }

    private static string WithoutCredentials(Uri url) =>
        string.IsNullOrEmpty(url.UserInfo) ? url.AbsoluteUri : new UriBuilder(url) { UserName = string.Empty, Password = string.Empty }.Uri.AbsoluteUri;

    private static long DirectoryBytes(string directory)
    {
        try
        {
            return new DirectoryInfo(directory).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
        }
        catch (IOException)
        {
            // Files come and go while FASTER commits and truncates; report what could be summed next time.
            return -1;
        }
    }
}
