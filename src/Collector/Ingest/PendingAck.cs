using Collector.Protocol.Telemetry.V1;
using Collector.Storage.Dedup;

namespace Collector.Host.Ingest;

/// <summary>
/// An Ack that may be sent once the log has committed through <see cref="WaitAddress"/> (-1: nothing to wait for), in
/// the opening of the log it was appended to (<see cref="LogGeneration"/>): a reopened log reuses discarded addresses.
/// </summary>
public readonly record struct PendingAck(Ack Ack, long WaitAddress, int LogGeneration, SourceState Source, long ReceivedTimestamp);
