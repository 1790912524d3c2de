using System.Collections.Concurrent;
using FASTER.core;

namespace Collector.Storage.Log;

/// <summary>
/// One opening of the FASTER log: the FasterLog, its device, and whether it failed. A FasterLog whose flush failed
/// refuses every later commit (FASTER keeps the failure for good), so the durable log retires the generation and
/// opens the next one from the last commit. Whatever touches the FasterLog enters the generation first, so it is
/// disposed only once nobody is inside it.
/// </summary>
internal sealed class LogGeneration : IDisposable
{
    private readonly CancellationTokenSource _faulted = new();
    private readonly ConcurrentDictionary<FasterLogScanIterator, byte> _iterators = new();
    private Exception? _fault;
    private int _users;
    private int _retired;

    public LogGeneration(FasterLog log, IDevice device, ILogCommitManager commitRecords, int number)
    {
        Log = log;
        Device = device;
        CommitRecords = commitRecords;
        Number = number;

        // Taken once: a token stays readable after its source is disposed, the source's Token property does not.
        Faulted = _faulted.Token;

        if (commitRecords is RetainingCommitManager records)
        {
            // Off FASTER's commit thread: the fault wakes waiters whose continuations must not run inside its commit.
            records.WriteFailed = failure => ThreadPool.QueueUserWorkItem(_ => SetFault(failure));
        }
    }

    public FasterLog Log { get; }

    public IDevice Device { get; }

    /// <summary>The commit records' manager (RetainingCommitManager), disposed with the log.</summary>
    public ILogCommitManager CommitRecords { get; }

    /// <summary>Addresses of entries in the page recovered into memory that fail their checksum on disk (see DurableLog.Damage.cs).</summary>
    public IReadOnlySet<long> DamagedInRecoveredPage { get; init; } = new HashSet<long>();

    /// <summary>Counts the openings of the log in this run, from 0.</summary>
    public int Number { get; }

    /// <summary>Null while the generation commits; the failure that ended it otherwise.</summary>
    public Exception? Fault => Volatile.Read(ref _fault);

    /// <summary>Set once the failure is known to be a full disk (or not): the reason shown to people.</summary>
    public bool DiskFull { get; set; }

    /// <summary>Cancelled when the generation fails, so that waits on its iterators end instead of spinning.</summary>
    public CancellationToken Faulted { get; }

    /// <summary>Enters the generation unless it failed; the caller must <see cref="Exit"/> after a true.</summary>
    public bool TryEnter()
    {
        // A full fence before the fault is read: a retirement that saw no user has set the fault before looking.
        Interlocked.Increment(ref _users);
        if (Volatile.Read(ref _fault) is null)
        {
            return true;
        }

        Exit();
        return false;
    }

    public void Exit() => Interlocked.Decrement(ref _users);

    /// <summary>Records the failure; true for the first one.</summary>
    public bool SetFault(Exception fault)
    {
        if (Interlocked.CompareExchange(ref _fault, fault, null) is not null)
        {
            return false;
        }

        try
        {
            _faulted.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Closed already (a record write that failed in the log's last commit, reported after it was disposed).
        }

        return true;
    }

    /// <summary>Registers an iterator to be disposed with the generation.</summary>
    public FasterLogScanIterator Track(FasterLogScanIterator iterator)
    {
        _iterators[iterator] = 0;
        return iterator;
    }

    /// <summary>Disposes an iterator of this generation once, whoever asks first (its owner or the retirement).</summary>
    public void Release(FasterLogScanIterator iterator)
    {
        if (_iterators.TryRemove(iterator, out _))
        {
            iterator.Dispose();
        }
    }

    /// <summary>Marks every iterator of this generation complete up to <paramref name="address"/> at least.</summary>
    public void RaiseIterators(long address)
    {
        foreach (var iterator in _iterators.Keys)
        {
            if (iterator.CompletedUntilAddress < address)
            {
                iterator.CompleteUntil(address);
            }
        }
    }

    /// <summary>True when the iterator belongs to this generation and is not released yet.</summary>
    public bool Owns(FasterLogScanIterator iterator) => _iterators.ContainsKey(iterator);

    /// <summary>
    /// Waits until nobody is inside the failed generation, then disposes its iterators, the log, its commit records and the device, so
    /// the next generation opens the same files alone. Only after a fault, and only once.
    /// </summary>
    public async Task RetireAsync(CancellationToken cancellationToken)
    {
        if (Fault is null || Interlocked.Exchange(ref _retired, 1) == 1)
        {
            return;
        }

        while (Volatile.Read(ref _users) > 0)
        {
            await Task.Delay(5, cancellationToken);
        }

        foreach (var iterator in _iterators.Keys)
        {
            Release(iterator);
        }

        // The iterators held the log open; with them gone this frees its memory and commit files.
        Log.Dispose();
        CommitRecords.Dispose();
        Device.Dispose();
        Dispose();
    }

    /// <summary>Frees the fault signal; the log and device are the owner's (see <see cref="RetireAsync"/>).</summary>
    public void Dispose() => _faulted.Dispose();
}
