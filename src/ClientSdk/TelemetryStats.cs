namespace Collector.ClientSdk;

/// <summary>A snapshot of what a <see cref="TelemetryClient"/> has done.</summary>
/// <param name="Logged">Events taken into the buffer.</param>
/// <param name="Sent">Events written to the collector (resends included).</param>
/// <param name="Acknowledged">Events the collector made durable (or deduplicated, or rejected: they are handled).</param>
/// <param name="Rejected">Events the collector refused as invalid (part of Acknowledged).</param>
/// <param name="Dropped">Events given up because the buffer was full or the client was closing.</param>
/// <param name="Retries">Reconnects after a failed or lost connection.</param>
/// <param name="Buffered">Events held now, not yet acknowledged.</param>
/// <param name="BufferedBytes">Estimated bytes held now.</param>
/// <param name="LastAck">When the collector last acknowledged a batch.</param>
/// <param name="Connected">Whether a stream to the collector is open.</param>
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
    bool Connected);
