using System.Buffers;

namespace Collector.Host.Grpc;

/// <summary>
/// The bytes of one received message, copied once into a buffer rented from the shared pool, so that the in-place
/// scanner reads them as one span whatever segments the request arrived in. Whoever takes it from the request stream
/// disposes it once the batch is ingested (the buffer goes back to the pool); it is never kept past that.
/// </summary>
public sealed class IngestPayload : IDisposable
{
    private byte[]? _buffer;

    private IngestPayload(byte[] buffer, int length)
    {
        _buffer = buffer;
        Length = length;
    }

    public int Length { get; }

    public ReadOnlySpan<byte> Span => (_buffer ?? throw new ObjectDisposedException(nameof(IngestPayload))).AsSpan(0, Length);

    /// <summary>Copies <paramref name="message"/>; valid until disposed.</summary>
    public static IngestPayload CopyOf(in ReadOnlySequence<byte> message)
    {
        var length = checked((int)message.Length);
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        message.CopyTo(buffer);
        return new IngestPayload(buffer, length);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _buffer, null) is { } buffer)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
