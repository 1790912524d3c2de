using System.Buffers;
using FASTER.core;

namespace Collector.Storage.Log;

/// <summary>
/// A named, persisted position in the durable log, one per consumer ("clickhouse", "upstream"). It reads only
/// committed entries; <see cref="CompleteUntil"/> records how far the consumer is done, and the next log commit
/// persists it, so after a restart (or kill -9) the cursor resumes at or before where it stopped, never after.
/// </summary>
public sealed class LogCursor : IDisposable
{
    private readonly FasterLogScanIterator _iterator;

    internal LogCursor(FasterLogScanIterator iterator, string name)
    {
        _iterator = iterator;
        Name = name;
    }

    public string Name { get; }

    /// <summary>Where the consumer said it was done (persisted by the next commit).</summary>
    public long CompletedUntilAddress => _iterator.CompletedUntilAddress;

    /// <summary>Waits until a committed entry is there to read; false when the log is shutting down.</summary>
    public ValueTask<bool> WaitAsync(CancellationToken cancellationToken) => _iterator.WaitAsync(cancellationToken);

    /// <summary>The next committed entry, copied into pooled memory the caller disposes; false when none is ready yet.</summary>
    public bool TryRead(out IMemoryOwner<byte> owner, out LogRecord record)
    {
        if (_iterator.GetNext(MemoryPool<byte>.Shared, out owner, out var length, out var address, out var next))
        {
            record = new LogRecord(address, next, owner.Memory[..length]);
            return true;
        }

        record = default;
        return false;
    }

    /// <summary>Marks everything before <paramref name="address"/> as done by this consumer.</summary>
    public void CompleteUntil(long address) => _iterator.CompleteUntil(address);

    public void Dispose() => _iterator.Dispose();
}
