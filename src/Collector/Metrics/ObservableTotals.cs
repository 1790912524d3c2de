using System.Diagnostics;
using System.Diagnostics.Metrics;
using Collector.Forwarder;
using Collector.Host.Ingest;
using Collector.Storage.ClickHouse;
using Collector.Storage.Log;

namespace Collector.Host.Metrics;

/// <summary>
/// Observable instruments over the running totals the components already keep (ingest, the log, errors and drops
/// across components): read at scrape time, so the paths that count them stay as they are.
/// </summary>
public static class ObservableTotals
{
    private static readonly IngestProtocol[] Protocols = Enum.GetValues<IngestProtocol>();

    // Tag arrays built once: a scrape only fills in values.
    private static readonly KeyValuePair<string, object?>[][] ProtocolTags =
        Array.ConvertAll(Protocols, protocol => new[] { new KeyValuePair<string, object?>("protocol", protocol.Label()) });

    // Per protocol, in this order: accepted, duplicate, rejected.
    private static readonly KeyValuePair<string, object?>[][] OutcomeTags = BuildOutcomeTags();

    public static void Register(Meter meter, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(meter);
        ArgumentNullException.ThrowIfNull(services);
        var log = services.GetRequiredService<DurableLog>();
        var ingest = services.GetRequiredService<IngestCounters>();
        var requests = services.GetRequiredService<RequestMetrics>();
        var batcher = services.GetService<TableBatcherCounters>();
        var forwarder = services.GetService<ForwarderCounters>();
        var budget = services.GetRequiredService<LogBudget>();
        var started = Stopwatch.GetTimestamp();

        meter.CreateObservableGauge("collector.uptime", () => Stopwatch.GetElapsedTime(started).TotalSeconds, "s", "Seconds since the collector started.");
        meter.CreateObservableCounter("collector.events.received", () => EventsReceived(ingest), "{event}", "Events received, by ingest protocol and outcome (accepted into the log, duplicate of one already handled, rejected as invalid).");
        meter.CreateObservableCounter("collector.bytes.received", () => PerProtocol(ingest, totals => totals.Bytes), "By", "Bytes of event batches received, by ingest protocol.");
        meter.CreateObservableCounter("collector.batches.received", () => PerProtocol(ingest, totals => totals.Batches), "{batch}", "Event batches received, by ingest protocol.");
        meter.CreateObservableGauge("collector.log.bytes", () => log.TailAddress - log.BeginAddress, "By", "Size of the durable log: its tail address minus its begin address (what truncation has not released yet).");
        meter.CreateObservableGauge("collector.log.disk.free", () => log.DiskFreeBytes, "By", "Bytes free for the collector on the file system of its data dir (-1 when it cannot be told); when a write finds no room the log takes no entries until two log pages are free again.");
        meter.CreateObservableCounter("collector.log.entries.appended", () => log.AppendedEntries, "{entry}", "Entries appended to the durable log since the collector started.");
        meter.CreateObservableCounter("collector.log.entries.skipped", () => log.SkippedEntries, "{entry}", "Damaged committed log entries (failed checksum, impossible length) that readers stepped over since start; each is logged with its address (event 2050).");
        meter.CreateObservableCounter("collector.log.bytes.skipped", () => log.SkippedBytes, "By", "Bytes of the durable log given up since start: damaged entries stepped over, and what a --repair start could not recover past the first damage.");
        meter.CreateObservableCounter("collector.dropped.events", () => Dropped(budget, batcher, forwarder), "{event}", "Events given up on: oldest events past the log's budget of bytes or age that not every consumer had (log_budget), oldest unforwarded events the forwarder dropped first as the budget neared (budget), events not forwarded because they had passed this node before (loop), rows ClickHouse refused, kept in the dead-letter file (dead_letter).");
        meter.CreateObservableCounter("collector.errors", () => Errors(log, requests, batcher, forwarder), "{error}", "Errors by component: gRPC calls ended INTERNAL, HTTP requests answered 5xx, durable log failed (1 once it has), failed ClickHouse requests, failed upstream attempts.");
    }

    private static Measurement<long>[] EventsReceived(IngestCounters ingest)
    {
        var measurements = new Measurement<long>[OutcomeTags.Length];
        for (var i = 0; i < Protocols.Length; i++)
        {
            var totals = ingest.For(Protocols[i]);
            measurements[(3 * i) + 0] = new(totals.Accepted, OutcomeTags[(3 * i) + 0]);
            measurements[(3 * i) + 1] = new(totals.Duplicates, OutcomeTags[(3 * i) + 1]);
            measurements[(3 * i) + 2] = new(totals.Rejected, OutcomeTags[(3 * i) + 2]);
        }

        return measurements;
    }

    private static KeyValuePair<string, object?>[][] BuildOutcomeTags()
    {
        string[] outcomes = ["accepted", "duplicate", "rejected"];
        var tags = new KeyValuePair<string, object?>[Protocols.Length * outcomes.Length][];
        for (var i = 0; i < tags.Length; i++)
        {
            tags[i] = [new("protocol", Protocols[i / outcomes.Length].Label()), new("outcome", outcomes[i % outcomes.Length])];
        }

        return tags;
    }

    private static Measurement<long>[] PerProtocol(IngestCounters ingest, Func<(long Batches, long Accepted, long Duplicates, long Rejected, long Bytes), long> value)
    {
        var measurements = new Measurement<long>[Protocols.Length];
        for (var i = 0; i < Protocols.Length; i++)
        {
            measurements[i] = new(value(ingest.For(Protocols[i])), ProtocolTags[i]);
        }

        return measurements;
    }

    private static List<Measurement<long>> Dropped(LogBudget budget, TableBatcherCounters? batcher, ForwarderCounters? forwarder)
    {
        var measurements = new List<Measurement<long>>(4) { new(budget.DroppedEvents, new KeyValuePair<string, object?>("reason", "log_budget")) };
        if (forwarder is not null)
        {
            measurements.Add(new(forwarder.DroppedByBudget, new KeyValuePair<string, object?>("reason", "budget")));
            measurements.Add(new(forwarder.DroppedLoops, new KeyValuePair<string, object?>("reason", "loop")));
        }

        if (batcher is not null)
        {
            measurements.Add(new(batcher.DeadLettered, new KeyValuePair<string, object?>("reason", "dead_letter")));
        }

        return measurements;
    }

    private static List<Measurement<long>> Errors(DurableLog log, RequestMetrics requests, TableBatcherCounters? batcher, ForwarderCounters? forwarder)
    {
        var measurements = new List<Measurement<long>>(5)
        {
            new(requests.GrpcInternalErrors, new KeyValuePair<string, object?>("component", "grpc")),
            new(requests.HttpServerErrors, new KeyValuePair<string, object?>("component", "http")),
            new(log.Fault is null ? 0 : 1, new KeyValuePair<string, object?>("component", "log")),
        };
        if (batcher is not null)
        {
            measurements.Add(new(batcher.Failures, new KeyValuePair<string, object?>("component", "clickhouse")));
        }

        if (forwarder is not null)
        {
            measurements.Add(new(forwarder.Failures, new KeyValuePair<string, object?>("component", "forwarder")));
        }

        return measurements;
    }
}
