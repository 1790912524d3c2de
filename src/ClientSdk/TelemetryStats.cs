namespace Collector.ClientSdk;

/// <summary>A snapshot of what a <see cref="TelemetryClient"/> has done.</summary>
/// <param name="Logged">Events taken into the buffer.</param>
/// <param name="Sent">Events written to the collector (resends included).</param>
/// <param name="Acknowledged">Events the collector made durable (or deduplicated, or rejected: they are handled).</param>
/// <param name="Rejected">Events the collector refused as invalid (part of Acknowledged).</param>
/// <param name="Dropped">Events given up: the buffer was full, the client was closing, or the durable spool was over its budget.</param>
/// <param name="Retries">Reconnects after a failed or lost connection.</param>
/// <param name="Buffered">Events held in memory now: not yet acknowledged or, in durable mode, not yet in the spool.</param>
/// <param name="BufferedBytes">Estimated bytes held in memory now.</param>
/// <param name="LastAck">When the collector last acknowledged a batch.</param>
/// <param name="Connected">Whether a stream to the collector is open.</param>
/// <param name="Spooled">Durable mode: events written to the spool whose group fsync completed.</param>
/// <param name="SpoolPending">Durable mode: events in the spool not yet acknowledged (an earlier run's included).</param>
/// <param name="SpoolBytes">Durable mode: bytes the spool's files take now.</param>
/// <param name="SpoolCutBytes">Durable mode: bytes of torn or damaged spool records cut, never sent.</param>
public sealed record TelemetryStats(
    long Logged,
    long Sent,
    long Acknowledged,
    long Rejected,
    long Dropped,
    long Retries,
    long Buffered,
    long BufferedBytes,
    DateTimeOffset? LastAck,
    bool Connected,
    long Spooled = 0,
    long SpoolPending = 0,
    long SpoolBytes = 0,
    long SpoolCutBytes = 0);
