using System.Diagnostics.Metrics;
using Collector.Forwarder;

namespace Collector.Host.Metrics;

/// <summary>Observable instruments over the forwarder's totals (only when an upstream is configured).</summary>
public static class ForwarderInstruments
{
    public static void Register(Meter meter, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(meter);
        ArgumentNullException.ThrowIfNull(services);
        if (services.GetService<ForwarderCounters>() is not { } forwarder)
        {
            return;
        }

        meter.CreateObservableCounter("collector.forwarder.events.forwarded", () => forwarder.EventsForwarded, "{event}", "Events the upstream acknowledged as accepted.");
        meter.CreateObservableCounter("collector.forwarder.bytes.forwarded", () => forwarder.BytesForwarded, "By", "Bytes of batches the upstream acknowledged.");
        meter.CreateObservableCounter("collector.forwarder.batches.forwarded", () => forwarder.BatchesForwarded, "{batch}", "Batches the upstream acknowledged.");
        meter.CreateObservableCounter("collector.forwarder.duplicates", () => forwarder.Duplicates, "{event}", "Forwarded events the upstream already had (a resend after a reconnect or restart).");
        meter.CreateObservableCounter("collector.forwarder.rejected", () => forwarder.Rejected, "{event}", "Forwarded events the upstream refused for good.");
        meter.CreateObservableCounter(
            "collector.forwarder.failures",
            () => forwarder.FailuresByReason.Select(pair => new Measurement<long>(pair.Value, new KeyValuePair<string, object?>("reason", pair.Key))),
            "{failure}",
            "Failed upstream sessions by reason (unavailable, deadline, unauthenticated, ...).");
        meter.CreateObservableCounter(
            "collector.forwarder.skipped.events",
            () => forwarder.SkippedBySignal.Select(pair => new Measurement<long>(pair.Value, new KeyValuePair<string, object?>("signal", pair.Key))),
            "{event}",
            "Events not sent to an OTLP upstream because it does not take their signal (--upstream-signals), by signal.");
        meter.CreateObservableCounter("collector.forwarder.reconnects", () => forwarder.Reconnects, "{reconnect}", "Sessions opened again after a failure.");
        meter.CreateObservableGauge("collector.forwarder.connected", () => forwarder.Connected ? 1 : 0, "1", "1 while a session with the upstream is open.");
        meter.CreateObservableGauge("collector.forwarder.live_lane", () => forwarder.LiveLaneActive ? 1 : 0, "1", "1 while a live lane runs beside a draining backlog.");
        meter.CreateObservableGauge("collector.forwarder.backlog.entries", () => forwarder.BacklogEntries, "{entry}", "Log entries not yet acknowledged by the upstream.");
        meter.CreateObservableGauge("collector.forwarder.backlog.bytes", () => forwarder.BacklogBytes, "By", "Committed log bytes not yet acknowledged by the upstream.");
        meter.CreateObservableGauge(
            "collector.forwarder.last_success.timestamp",
            () => forwarder.LastSuccessUnixMs / 1000.0,
            "s",
            "Unix time of the last acknowledged batch, in seconds; 0 before the first.");
    }
}
