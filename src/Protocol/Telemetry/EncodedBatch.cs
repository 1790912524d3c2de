namespace Collector.Protocol.Telemetry;

/// <summary>
/// A telemetry.v1.EventBatch that is already encoded (a relay passing on bytes it holds, a client resending what it
/// encoded once). <see cref="EncodedBatchMarshaller"/> writes <see cref="Bytes"/> to the wire as they are, so the
/// bytes must be a valid EventBatch; nothing checks them on the way out.
/// </summary>
public sealed class EncodedBatch(ReadOnlyMemory<byte> bytes)
{
    /// <summary>The encoded message; read when the call writes it, so it must stay unchanged until that write completes.</summary>
    public ReadOnlyMemory<byte> Bytes { get; } = bytes;
}
