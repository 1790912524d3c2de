using Collector.Protocol.Telemetry.V1;
using Collector.Storage.Dedup;

namespace Collector.Host.Ingest;

/// <summary>
/// An Ack that may be sent once the log has committed through <see cref="WaitAddress"/> (-1: nothing to wait for).
/// </summary>
public readonly record struct PendingAck(Ack Ack, long WaitAddress, SourceState Source, long ReceivedTimestamp);
