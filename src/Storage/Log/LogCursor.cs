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
    private readonly DurableLog _log;
    private long _requestedCompletedUntil;
    private bool _disposed;

    internal LogCursor(FasterLogScanIterator iterator, string name, DurableLog log)
    {
        _iterator = iterator;
        _log = log;
        Name = name;

        // Where it starts is done: FASTER reports the completed position only after a commit.
        _requestedCompletedUntil = iterator.NextAddress;
    }

    public string Name { get; }

    /// <summary>Where the consumer's position was last persisted (it moves with each commit after CompleteUntil).</summary>
    public long CompletedUntilAddress => _iterator.CompletedUntilAddress;

    /// <summary>Address of the next entry this cursor will read.</summary>
    public long NextAddress => _iterator.NextAddress;

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
    public void CompleteUntil(long address)
    {
        _iterator.CompleteUntil(address);
        _requestedCompletedUntil = Math.Max(_requestedCompletedUntil, address);
    }

    /// <summary>Closes the cursor; the log keeps its position for its final commit and for a reopen in the same run.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _log.Park(Name, _iterator, _requestedCompletedUntil);
        }
    }
}
