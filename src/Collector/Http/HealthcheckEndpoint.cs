using Collector.Host.Ingest;
using Collector.Storage.ClickHouse;
using Collector.Storage.Log;

namespace Collector.Host.Http;

/// <summary>GET /healthcheck: 200 while the durable log takes entries, 503 with the reason otherwise.</summary>
public static class HealthcheckEndpoint
{
    public static void Map(WebApplication app) =>
        app.MapGet("/healthcheck", (DurableLog log, IngestCounters counters, IServiceProvider services) =>
        {
            var fault = log.Fault;
            var batcher = services.GetService<ClickHouseBatcherCounters>();
            var retention = services.GetService<RetentionCounters>();
            var body = new
            {
                status = fault is null ? "healthy" : "unhealthy",
                reason = fault?.Message,
                log = new
                {
                    writable = fault is null,
                    begin_address = log.BeginAddress,
                    tail_address = log.TailAddress,
                    committed_until = log.CommittedUntilAddress,
                },
                ingest = new
                {
                    batches = counters.Batches,
                    accepted = counters.Accepted,
                    duplicates = counters.Duplicates,
                    rejected = counters.Rejected,
                },
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
                },
            };
            return Results.Json(body, statusCode: fault is null ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        });
}
