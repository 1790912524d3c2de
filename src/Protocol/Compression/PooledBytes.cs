using System.Buffers;

namespace Collector.Protocol.Compression;

/// <summary>Bytes rented from the shared pool; dispose returns them.</summary>
public readonly struct PooledBytes : IDisposable
{
    private readonly byte[]? _array;

    public PooledBytes(byte[] array, int length)
    {
        _array = array;
        Length = length;
    }

    public int Length { get; }

    public ReadOnlySpan<byte> Span => _array.AsSpan(0, Length);

    public ReadOnlyMemory<byte> Memory => _array.AsMemory(0, Length);

    public void Dispose()
    {
        if (_array is not null)
        {
            ArrayPool<byte>.Shared.Return(_array);
        }
    }
}
