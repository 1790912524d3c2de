using System.Buffers;
using FASTER.core;

namespace Collector.Storage.Log;

/// <summary>
/// A named, persisted position in the durable log, one per consumer ("clickhouse", "upstream"). It reads only
/// committed entries; <see cref="CompleteUntil"/> records how far the consumer is done, and the next log commit
/// persists it, so after a restart (or kill -9) the cursor resumes at or before where it stopped, never after.
/// When the log is reopened after a failed commit, the cursor moves to the new opening by itself at its next wait.
/// </summary>
public sealed class LogCursor : IDisposable
{
    private readonly DurableLog _log;
    private FasterLogScanIterator _iterator;
    private LogGeneration _generation;
    private long _requestedCompletedUntil;
    private bool _disposed;

    internal LogCursor(FasterLogScanIterator iterator, LogGeneration generation, string name, DurableLog log)
    {
        _iterator = iterator;
        _generation = generation;
        _log = log;
        Name = name;

        // Where it starts is done: FASTER reports the completed position only after a commit.
        _requestedCompletedUntil = iterator.NextAddress;
    }

    public string Name { get; }

    /// <summary>Where the consumer's position was last persisted (it moves with each commit after CompleteUntil).</summary>
    public long CompletedUntilAddress => _iterator.CompletedUntilAddress;

    /// <summary>Where the newest commit record on disk holds this cursor (a restart after kill -9 resumes here); -1 while none does.</summary>
    public long PersistedUntil => _log.PersistedPosition(Name);

    /// <summary>Address of the next entry this cursor will read.</summary>
    public long NextAddress => _iterator.NextAddress;

    /// <summary>
    /// Waits until a committed entry is there to read; false when the log is shutting down. While the log is faulted
    /// it waits for the log to reopen, then goes on in the reopened log.
    /// </summary>
    public async ValueTask<bool> WaitAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_log.TryMoveToCurrentGeneration(Name, ref _iterator, ref _generation, _requestedCompletedUntil)
                && await DurableLog.WaitInGenerationAsync(_generation, _iterator, cancellationToken) is { } ready)
            {
                return ready;
            }

            await _log.WhenReopenedAsync(cancellationToken);
        }
    }

    /// <summary>The next committed entry, copied into pooled memory the caller disposes; false when none is ready yet.</summary>
    public bool TryRead(out IMemoryOwner<byte> owner, out LogRecord record) =>
        _log.TryReadSkippingDamage(_generation, ref _iterator, Name, _requestedCompletedUntil, long.MaxValue, out owner, out record);

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
