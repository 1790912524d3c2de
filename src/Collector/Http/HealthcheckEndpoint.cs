using Collector.Forwarder;
using Collector.Host.Hosting;
using Collector.Host.Ingest;
using Collector.Host.Security;
using Collector.Storage.ClickHouse;
using Collector.Storage.Log;

namespace Collector.Host.Http;

/// <summary>GET /healthcheck: 200 while the durable log takes entries, 503 with the reason otherwise.</summary>
public static class HealthcheckEndpoint
{
    public static void Map(WebApplication app) =>
        app.MapGet("/healthcheck", (DurableLog log, IngestCounters counters, NodeIdentity identity, IServiceProvider services) =>
        {
            var fault = log.Fault;
            var batcher = services.GetService<TableBatcherCounters>();
            var retention = services.GetService<RetentionCounters>();
            var body = new
            {
                status = fault is null ? "healthy" : "unhealthy",
                reason = log.FaultReason,
                version = CollectorVersion.Text,
                node = new { id = identity.NodeId, role = identity.Role, tags = identity.Tags },
                log = new
                {
                    writable = fault is null,
                    begin_address = log.BeginAddress,
                    tail_address = log.TailAddress,
                    committed_until = log.CommittedUntilAddress,
                    disk_free_bytes = log.DiskFreeBytes,
                },
                ingest = new
                {
                    batches = counters.Batches,
                    accepted = counters.Accepted,
                    duplicates = counters.Duplicates,
                    rejected = counters.Rejected,
                    loops = counters.Loops,
                },
                memory = MemoryStatus(services.GetRequiredService<MemoryLimit>()),
                forwarder = ForwarderStatus(services),
                security = SecurityStatus(services),
                clickhouse = batcher is null ? null : new
                {
                    rows_inserted = batcher.RowsInserted,
                    inserts = batcher.Batches,
                    failures = batcher.Failures,
                    dead_lettered = batcher.DeadLettered,
                    completed_until = batcher.CompletedUntil,
                    lag_bytes = Math.Max(0, log.CommittedUntilAddress - batcher.CompletedUntil),
                    last_error = batcher.LastError,
                    retention_partitions_dropped = retention?.PartitionsDropped,
                    tables = TableStatus.Of(batcher, log),
                },
            };
            return Results.Json(body, statusCode: fault is null ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        });

    private static object MemoryStatus(MemoryLimit memory) => new
    {
        resident_bytes = memory.ResidentBytes,
        limit_bytes = memory.LimitBytes,
        over_limit = memory.OverLimit,
        refused_requests = memory.RefusedRequests,
    };

    private static object SecurityStatus(IServiceProvider services)
    {
        var counters = services.GetRequiredService<SecurityCounters>();
        var calls = services.GetRequiredService<ConcurrentCallLimit>();
        return new
        {
            api_keys = services.GetRequiredService<ApiKeyRing>().Count,
            auth_failures = counters.AuthFailures,
            auth_failures_by_reason = counters.AuthFailuresByReason,
            rate_limited_events = counters.RateLimitedEvents,
            grpc_calls_active = calls.Active,
            grpc_calls_refused = counters.RefusedCalls,
        };
    }

    private static object? ForwarderStatus(IServiceProvider services)
    {
        if (services.GetService<ForwarderCounters>() is not { } forwarder)
        {
            return null;
        }

        var upstream = services.GetRequiredService<IUpstream>();
        return new
        {
            upstream = upstream.Describe,
            connected = forwarder.Connected,
            live_lane = forwarder.LiveLaneActive,
            events_forwarded = forwarder.EventsForwarded,
            bytes_forwarded = forwarder.BytesForwarded,
            batches_forwarded = forwarder.BatchesForwarded,
            duplicates = forwarder.Duplicates,
            rejected = forwarder.Rejected,
            failures = forwarder.FailuresByReason,
            reconnects = forwarder.Reconnects,
            backlog_entries = forwarder.BacklogEntries,
            backlog_bytes = forwarder.BacklogBytes,
            last_success_unix_ms = forwarder.LastSuccessUnixMs,
            dropped_by_budget = forwarder.DroppedByBudget,
            dropped_loops = forwarder.DroppedLoops,
        };
    }
}
