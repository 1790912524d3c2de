// How the durable log survives a failed commit (a full disk above all) without a restart.
//
// A commit fails when FASTER's flush of the pages fails, or when its commit record does not read back whole
// (RetainingCommitManager: FASTER would take such a commit as done and acknowledge it).
//
// FASTER 2.6.5 keeps a failed flush for good: the FasterLog stores the CommitFailureException and throws it from
// every later commit and from appends once its buffer is full (TolerateDeviceFailure would go on past the failed
// range instead, which loses data: not for us). So the log is reopened:
//
//   commit fails ──> generation N faulted: appends refused (UNAVAILABLE / 503), waits and reads end at once
//        │           (/healthcheck 503 "disk full: ..." while the file system has less than two pages free)
//        ▼
//   wait until two log pages are free (polled) ──> retire N: wait until nobody is inside it, dispose its
//        │                                         iterators, log and device
//        ▼
//   open generation N+1 from the last commit ──> cursors carried over at their positions, dedup state rolled back
//                                                 to what was committed, then appends are taken again
//
// Nothing past the last commit was ever acknowledged, so dropping it loses nothing; clients resend it. An address
// handed out by generation N is never taken as committed in N+1 (WaitForCommitAsync checks the generation), since
// N+1 reuses the addresses N discarded. Cursors (LogCursor) move to the new generation by themselves when their
// consumer next waits, at the entry they would have read next.
using System.Buffers;
using FASTER.core;

namespace Collector.Storage.Log;

public sealed partial class DurableLog
{
    // How often a faulted log looks for room again, and the most time between two failed reopen attempts.
    private static readonly TimeSpan ReopenPollInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxReopenBackoff = TimeSpan.FromSeconds(10);

    private readonly List<Action<long>> _reopenHandlers = [];
    private TaskCompletionSource _reopened = NewCommitSignal();

    /// <summary>Counts the openings of the log in this run (from 0); an address is only meaningful with its opening.</summary>
    public int Generation => _current.Number;

    /// <summary>
    /// Why the log takes no entries, for people; null while it does. FASTER reports a write that found no space only
    /// as error code -1, so the log asks the file system itself (see <see cref="DiskSpace"/>).
    /// </summary>
    public string? FaultReason => _current is { Fault: { } fault } generation ? Describe(generation, fault) : null;

    private FasterLog _log => _current.Log;

    private IDevice _device => _current.Device;

    private ILogCommitManager _commitRecords => _current.CommitRecords;

    private Exception? _fault => _current.Fault;

    internal LogGeneration CurrentGeneration => _current;

    // A commit writes at least a page; two pages free is the least room worth reopening for.
    private long RequiredFreeBytes => 2L << Geometry.PageBits;

    /// <summary>
    /// Runs <paramref name="handler"/> with the committed end after the log was reopened from its last commit, before
    /// it takes entries again: whatever was appended past that end is gone (and was never acknowledged).
    /// </summary>
    public void OnReopened(Action<long> handler)
    {
        lock (_reopenHandlers)
        {
            _reopenHandlers.Add(handler);
        }
    }

    private string Describe(LogGeneration generation, Exception fault)
    {
        var free = DiskFreeBytes;
        var directory = Path.GetFullPath(_options.DataDirectory);
        return generation.DiskFull || (free >= 0 && free < RequiredFreeBytes)
            ? $"disk full: {free} bytes free on the file system of {directory}; the log takes no entries until {RequiredFreeBytes} bytes are free, then reopens from its last commit by itself ({fault.Message})"
            : $"{fault.Message} (not a full disk: {free} bytes free on the file system of {directory}); the log reopens from its last commit and retries";
    }

    private long EnqueueInCurrentGeneration(ReadOnlySpan<byte> entry)
    {
        var generation = _current;
        while (!generation.TryEnter())
        {
            // Throws while the current generation is faulted; otherwise the log was just reopened.
            ThrowIfFaulted();
            generation = _current;
        }

        try
        {
            return generation.Log.Enqueue(entry);
        }
        catch (CommitFailureException ex)
        {
            // FASTER throws its stored commit failure from an append once the buffer is full.
            generation.SetFault(ex);
            NotifyCommitted();
            throw new DurableLogUnavailableException($"the durable log takes no entries for now: {Describe(generation, ex)}", ex);
        }
        finally
        {
            generation.Exit();
        }
    }

    private async Task CommitInCurrentGenerationAsync(Func<FasterLog, CancellationToken, ValueTask> commit, CancellationToken cancellationToken)
    {
        var generation = _current;
        while (!generation.TryEnter())
        {
            // Throws while the current generation is faulted; otherwise the log was just reopened.
            ThrowIfFaulted();
            generation = _current;
        }

        try
        {
            // A commit whose record could not be written never completes in FASTER: the fault ends the wait.
            using var committing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, generation.Faulted);
            await commit(generation.Log, committing.Token);
        }
        catch (CommitFailureException ex)
        {
            throw new DurableLogUnavailableException($"the durable log takes no entries for now: {Describe(generation, ex)}", ex);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested && generation.Fault is { } fault)
        {
            throw new DurableLogUnavailableException($"the durable log takes no entries for now: {Describe(generation, fault)}", ex);
        }
        finally
        {
            generation.Exit();
        }
    }

    /// <summary>Waits for an entry to read; null when the generation failed (the wait then belongs to the next one).</summary>
    internal static async ValueTask<bool?> WaitInGenerationAsync(LogGeneration generation, FasterLogScanIterator iterator, CancellationToken cancellationToken)
    {
        if (!generation.TryEnter())
        {
            return null;
        }

        try
        {
            // A failed FasterLog fails every commit wait at once, which its iterator would retry in a tight loop.
            using var waiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, generation.Faulted);
            return await iterator.WaitAsync(waiting.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
        catch (CommitFailureException) when (!cancellationToken.IsCancellationRequested)
        {
            // FASTER fails the waits on a failed commit a moment before the commit loop marks the generation faulted
            // (the torture suite's full disk found a ClickHouse batcher that took this as its own failure and
            // restarted, critically, until the disk had room): below, the mark is waited for, then the reopen.
        }
        finally
        {
            generation.Exit();
        }

        await WhenMarkedFaultedAsync(generation, cancellationToken);
        return null;
    }

    /// <summary>Waits until the commit loop has marked <paramref name="generation"/> faulted, or a second at most (never a tight loop).</summary>
    private static async Task WhenMarkedFaultedAsync(LogGeneration generation, CancellationToken cancellationToken)
    {
        using var marked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, generation.Faulted);
        marked.CancelAfter(TimeSpan.FromSeconds(1));
        await Task.Delay(Timeout.InfiniteTimeSpan, marked.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        cancellationToken.ThrowIfCancellationRequested();
    }

    internal static bool TryGetNextInGeneration(LogGeneration generation, FasterLogScanIterator iterator, out IMemoryOwner<byte> owner, out LogRecord record)
    {
        if (generation.TryEnter())
        {
            try
            {
                if (iterator.GetNext(MemoryPool<byte>.Shared, out owner, out var length, out var address, out var next))
                {
                    if (generation.DamagedInRecoveredPage.Contains(address))
                    {
                        // Read from memory, unchecked by FASTER: damaged on disk, so damaged here (see DurableLog.Damage.cs).
                        owner.Dispose();
                        throw new FasterException($"the entry at {address} fails its checksum (in the page recovered into memory)");
                    }

                    record = new LogRecord(address, next, owner.Memory[..length]);
                    return true;
                }
            }
            finally
            {
                generation.Exit();
            }
        }

        owner = null!;
        record = default;
        return false;
    }

    /// <summary>Completes once the log takes entries again (at once when it does).</summary>
    internal async Task WhenReopenedAsync(CancellationToken cancellationToken)
    {
        var signal = Volatile.Read(ref _reopened).Task;
        if (_current.Fault is not null)
        {
            await signal.WaitAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Moves a cursor's iterator to the current generation, at the entry it would read next and with its completed
    /// position; false while the log is faulted. A no-op when it is there already.
    /// </summary>
    internal bool TryMoveToCurrentGeneration(string name, ref FasterLogScanIterator iterator, ref LogGeneration generation, long completedUntil)
    {
        lock (_parked)
        {
            var current = _current;
            if (current.Fault is not null)
            {
                return false;
            }

            if (ReferenceEquals(current, generation))
            {
                return true;
            }

            var next = Math.Clamp(iterator.NextAddress, current.Log.BeginAddress, current.Log.CommittedUntilAddress);
            generation.Release(iterator);
            if (name.Length > 0 && _parked.Remove(name, out var parked))
            {
                // Re-registered when the log reopened; this cursor takes its place in the commits.
                current.Release(parked.Iterator);
            }

            iterator = ScanIn(current, name, next, Math.Min(Math.Max(completedUntil, current.Log.BeginAddress), next));
            generation = current;
            return true;
        }
    }

    /// <summary>A tracked iterator of <paramref name="generation"/> from <paramref name="start"/>, marked complete until <paramref name="completedUntil"/>.</summary>
    private static FasterLogScanIterator ScanIn(LogGeneration generation, string name, long start, long completedUntil, long end = long.MaxValue)
    {
        var iterator = generation.Track(generation.Log.Scan(start, end, name.Length == 0 ? null : name, recover: false, ScanBufferingMode.SinglePageBuffering, scanUncommitted: false));
        if (name.Length > 0)
        {
            iterator.CompleteUntil(completedUntil);
        }

        return iterator;
    }

    /// <summary>A cursor of a retired generation was closed: its position goes on in the current one.</summary>
    private void ParkAfterReopen(string name, long completedUntil)
    {
        var start = Math.Clamp(completedUntil, _log.BeginAddress, _log.CommittedUntilAddress);
        if (_parked.TryGetValue(name, out var existing))
        {
            if (existing.CompletedUntil >= start)
            {
                return;
            }

            _current.Release(existing.Iterator);
        }

        _parked[name] = (ScanIn(_current, name, start, start), start);
    }

    /// <summary>
    /// After a failed commit: stops the generation, tells why, and reopens the log from its last commit once the data
    /// dir's file system has room again, retrying with a growing pause if reopening fails. Returns when the log takes
    /// entries again, or at shutdown.
    /// </summary>
    private async Task RecoverFromFailureAsync(LogGeneration failed, Exception failure, CancellationToken token)
    {
        var directory = Path.GetFullPath(_options.DataDirectory);
        failed.DiskFull = DiskSpace.ProbeIsFull(directory, 1 << Geometry.PageBits) || DiskFreeBytes is >= 0 and var free && free < RequiredFreeBytes;
        failed.SetFault(failure);
        NotifyCommitted();
        StorageLog.CommitFailedWillReopen(_logger, Describe(failed, failure), failure);
        var backoff = ReopenPollInterval;
        var nextAttempt = DateTime.UtcNow;
        try
        {
            while (true)
            {
                await Task.Delay(ReopenPollInterval, token);
                if ((DiskFreeBytes is >= 0 and var room && room < RequiredFreeBytes) || DateTime.UtcNow < nextAttempt)
                {
                    continue;
                }

                try
                {
                    await ReopenAsync(failed, token);
                    StorageLog.LogReopened(_logger, _current.Number, _log.CommittedUntilAddress, DiskFreeBytes);
                    return;
                }
                catch (Exception ex) when (ex is not OperationCanceledException && ex is not OutOfMemoryException)
                {
                    StorageLog.ReopenFailed(_logger, backoff.TotalMilliseconds, ex);
                    nextAttempt = DateTime.UtcNow + backoff;
                    backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxReopenBackoff.Ticks));
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Shutdown while faulted: the log closes without a last commit.
        }
    }

    /// <summary>
    /// Writes the first record of a reopened log that has none; throws when it does not reach the disk whole (FASTER
    /// would wait for that commit for ever).
    /// </summary>
    private static async Task WriteFirstRecordAsync(FasterLog log, RetainingCommitManager records, CancellationToken token)
    {
        var failed = new TaskCompletionSource<IOException>(TaskCreationOptions.RunContinuationsAsynchronously);
        records.WriteFailed = failure => failed.TrySetResult(failure);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(token);
        var commit = log.CommitStronglyAsync(cookie: [], token: stop.Token).AsTask();
        var written = await Task.WhenAny(commit, failed.Task) == commit;
        records.WriteFailed = null;
        if (!written)
        {
            await stop.CancelAsync();
            try
            {
                await commit;
            }
            catch (OperationCanceledException)
            {
                // The commit that never completes, given up.
            }

            throw await failed.Task;
        }

        await commit;
    }

    /// <summary>Replaces the failed generation with one opened from the last commit (see the note at the top).</summary>
    private async Task ReopenAsync(LogGeneration failed, CancellationToken token)
    {
        await failed.RetireAsync(token);
        var directory = Path.GetFullPath(_options.DataDirectory);
        var settings = CreateFasterSettings(Geometry, directory);
        FasterLog? log = null;
        try
        {
            // The same checked recovery as at start: the failed flush may have left a torn page past the commit.
            // Not a repair, and a missing record here is one this process deleted unwritten: nothing past it was acknowledged.
            log = OpenCheckedFasterLog(settings, Geometry, _options, directory, _logger, atStart: false, out _, out var fromRecord);
            if (!fromRecord)
            {
                // Its first record failed: written now, before the log takes an entry (see WriteFirstRecord).
                await WriteFirstRecordAsync(log, (RetainingCommitManager)settings.LogCommitManager, token);
            }
        }
        catch
        {
            log?.Dispose();
            settings.LogCommitManager?.Dispose();
            settings.LogDevice.Dispose();
            throw;
        }

        var next = new LogGeneration(log, settings.LogDevice, settings.LogCommitManager, failed.Number + 1)
        {
            DamagedInRecoveredPage = DamageInRecoveredPage(log, Geometry, directory),
        };
        Action<long>[] handlers;
        lock (_reopenHandlers)
        {
            handlers = [.. _reopenHandlers];
        }

        // While the failed generation is still current, so nothing is appended meanwhile.
        foreach (var handler in handlers)
        {
            handler(log.CommittedUntilAddress);
        }

        lock (_parked)
        {
            // Every position the commit record holds, raised to what consumers completed in this run; the failed
            // generation's iterators were disposed with it.
            var positions = new Dictionary<string, long>(log.RecoveredIterators ?? [], StringComparer.Ordinal);
            foreach (var (name, (_, completedUntil)) in _parked)
            {
                positions[name] = Math.Max(positions.GetValueOrDefault(name), completedUntil);
            }

            _parked.Clear();
            foreach (var (name, position) in positions)
            {
                var start = Math.Clamp(position, log.BeginAddress, log.CommittedUntilAddress);
                _parked[name] = (ScanIn(next, name, start, start), start);
            }

            _current = next;
        }

        Interlocked.Exchange(ref _reopened, NewCommitSignal()).TrySetResult();
        NotifyCommitted();
    }
}
