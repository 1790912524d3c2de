using System.Diagnostics.Metrics;

namespace Collector.ClientSdk;

/// <summary>The client's running totals, also published as System.Diagnostics.Metrics instruments.</summary>
internal sealed class ClientCounters : IDisposable
{
    public const string MeterName = "Collector.ClientSdk";

    private readonly Meter _meter;
    private long _logged;
    private long _sent;
    private long _acknowledged;
    private long _rejected;
    private long _dropped;
    private long _retries;
    private long _spooled;
    private long _spoolCutBytes;
    private long _lastAckUnixMs;
    private int _connected;

    public ClientCounters(string sourceId, Func<long> buffered, Func<long> bufferedBytes, Func<long> spoolPending, Func<long> spoolBytes)
    {
        _meter = new Meter(MeterName, "1.0");
        var tags = new KeyValuePair<string, object?>[] { new("source_id", sourceId) };
        _meter.CreateObservableCounter("telemetry.client.logged", () => new Measurement<long>(Logged, tags), "{event}", "Events taken into the buffer");
        _meter.CreateObservableCounter("telemetry.client.sent", () => new Measurement<long>(Sent, tags), "{event}", "Events written to the collector, resends included");
        _meter.CreateObservableCounter("telemetry.client.acknowledged", () => new Measurement<long>(Acknowledged, tags), "{event}", "Events the collector acknowledged as handled");
        _meter.CreateObservableCounter("telemetry.client.dropped", () => new Measurement<long>(DroppedCount, tags), "{event}", "Events given up (buffer full or closing)");
        _meter.CreateObservableCounter("telemetry.client.retries", () => new Measurement<long>(Retries, tags), "{reconnect}", "Reconnects after a failure");
        _meter.CreateObservableGauge("telemetry.client.buffered", () => new Measurement<long>(buffered(), tags), "{event}", "Events held, not yet acknowledged");
        _meter.CreateObservableGauge("telemetry.client.buffered_bytes", () => new Measurement<long>(bufferedBytes(), tags), "By", "Estimated bytes held");
        _meter.CreateObservableCounter("telemetry.client.spooled", () => new Measurement<long>(Spooled, tags), "{event}", "Events written and fsync'd to the durable spool");
        _meter.CreateObservableGauge("telemetry.client.spool_pending", () => new Measurement<long>(spoolPending(), tags), "{event}", "Events in the durable spool, not yet acknowledged");
        _meter.CreateObservableGauge("telemetry.client.spool_bytes", () => new Measurement<long>(spoolBytes(), tags), "By", "Bytes the durable spool's files take");
        _meter.CreateObservableCounter("telemetry.client.spool_cut_bytes", () => new Measurement<long>(SpoolCutBytes, tags), "By", "Bytes of torn or damaged spool records cut, not sent");
    }

    public long Logged => Volatile.Read(ref _logged);

    public long Sent => Volatile.Read(ref _sent);

    public long Acknowledged => Volatile.Read(ref _acknowledged);

    public long Rejected => Volatile.Read(ref _rejected);

    public long DroppedCount => Volatile.Read(ref _dropped);

    public long Retries => Volatile.Read(ref _retries);

    public long Spooled => Volatile.Read(ref _spooled);

    public long SpoolCutBytes => Volatile.Read(ref _spoolCutBytes);

    public bool Connected => Volatile.Read(ref _connected) == 1;

    public DateTimeOffset? LastAck => Volatile.Read(ref _lastAckUnixMs) is var ms and > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;

    public void AddLogged() => Interlocked.Increment(ref _logged);

    public void Dropped(long events) => Interlocked.Add(ref _dropped, events);

    public void SentEvents(int events) => Interlocked.Add(ref _sent, events);

    public void Acked(int events, int rejected)
    {
        Interlocked.Add(ref _acknowledged, events);
        Interlocked.Add(ref _rejected, rejected);
        Volatile.Write(ref _lastAckUnixMs, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
    }

    public void Retried() => Interlocked.Increment(ref _retries);

    public void AddSpooled(long events) => Interlocked.Add(ref _spooled, events);

    public void SpoolCut(long bytes) => Interlocked.Add(ref _spoolCutBytes, bytes);

    public void SetConnected(bool connected) => Volatile.Write(ref _connected, connected ? 1 : 0);

    public void Dispose() => _meter.Dispose();
}
