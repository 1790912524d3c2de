// The durable log: a FASTER FasterLog in <data-dir>/log, the ring buffer between the ingest handlers and
// every consumer.
//
// Invariants
// - An entry is acknowledged to a client only after a commit covers it (CommittedUntilAddress > its address).
//   Commits are group commits run by one loop: it commits as soon as entries wait and no commit is running,
//   at most once per CommitInterval; what arrives during a commit goes into the next one. Waiters are woken by
//   the loop itself after each commit (FASTER's own commit wait added a whole extra commit cycle).
// - Durability: an Ack means on the disk. The segment files and the commit records are written O_SYNC (FileOptions.
//   WriteThrough; aligned segment writes also O_DIRECT, past the page cache): a write returns only once its data, and
//   the metadata needed to read it back, are on stable storage (SegmentDevice, CommitRecordSlots). A commit completes only after every page it covers and then its record are
//   written that way, so what a commit covers survives kill -9 and power loss alike (as far as the disk honours
//   flushes). Segment writes run on one dedicated thread, the record write on FASTER's commit thread: no pool thread
//   blocks on the disk.
// - After kill -9, FASTER recovers to the last commit: entries past it were never acknowledged and are never
//   read back (unless the newest record went missing, below). Every entry carries a FASTER checksum, so a torn
//   write cannot be read as data.
// - A commit record is trusted only once it agrees with the segment files (CommitRecovery, CommitRecordCheck):
//   begin <= every cursor <= committed end <= what the files hold, readable entries there. A damaged newest record
//   falls back to the previous one (the newest two are kept) with its end moved forward over the entries that pass
//   their checksums; so does a newest record whose predecessor is missing (a deleted newer record). With no record
//   that checks out, or none while the segments hold entries, Open refuses (DamagedLogException) rather than guess,
//   unless DurableLogOptions.Repair (--repair) asks to recover up to the first damage and count the rest.
// - A damaged committed entry is never read as data and never ends a reader: readers step over it and count it
//   (see DurableLog.Damage.cs).
// - A failed commit (a full disk above all) pauses the log instead of ending it: appends are refused (UNAVAILABLE)
//   until it is reopened from its last commit, checked the same way, by itself once there is room (see
//   DurableLog.Reopen.cs).
// - Entries are written by many handlers concurrently without locks (FASTER's epoch-protected tail). Entries
//   of one source are appended in sequence order because ingest holds that source's gate while appending.
//
// On-disk layout
//   <data-dir>/log/         segment files (SegmentBytes each), entries in FASTER's framing
//   <data-dir>/commits/     log-commits/commit-records: the commit records, two slots (newest two; see
//                           CommitRecordSlots), which carry the named cursors' positions; commits/damaged/ holds
//                           records recovery rejected
//   <data-dir>/dedup.ckpt   per-source handled sequence as of a committed log address (see DedupCheckpoint)
//   <data-dir>/log-id       this log's identity (see LogIdentity), made with the log
//   <data-dir>/log-geometry its page and segment sizes (see LogGeometry), fixed when the log is made
//   <data-dir>/collector.lock  held exclusively while a collector uses the directory (two would corrupt it)
//
// Entry format: see LogEntryFormat (a version byte, then a protobuf LogEntry).
//
// - A persisted cursor position never moves backwards: every cursor the commit record holds is registered again at
//   open, at its recovered position marked complete, so a commit before its consumer's first completion (or before
//   the consumer even starts) writes that position again rather than 0.
//
// Who deletes what: DedupCheckpointWriter truncates the log up to LogConsumers.SafeTruncationAddress, the lowest of
// the consumers' completed positions (ClickHouse batcher, forwarder) and the dedup checkpoint's address.
using System.Buffers;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using FASTER.core;
using Microsoft.Extensions.Logging;

namespace Collector.Storage.Log;

public sealed partial class DurableLog : IAsyncDisposable
{
    private readonly FileStream _directoryLock;
    private readonly DurableLogOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _commitSignal = new(0);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _commitLoop;
    private volatile LogGeneration _current;
    private TaskCompletionSource _committed = NewCommitSignal();
    private int _loopIdle;
    private long _appendedEntries;
    private long _appendedEvents;
    private readonly Histogram<double>? _commitDuration;
    private readonly Dictionary<string, (FasterLogScanIterator Iterator, long CompletedUntil)> _parked = new(StringComparer.Ordinal);
    private bool _closed;

    private DurableLog(FasterLog log, IDevice device, ILogCommitManager commitRecords, FileStream directoryLock, DurableLogOptions options, LogGeometry geometry, ILogger logger, IMeterFactory? meters, LogIdentity identity)
    {
        Geometry = geometry;
        Identity = identity;
        _commitDuration = meters?.Create(StorageMetrics.MeterName).CreateHistogram(
            "collector.log.commit.duration",
            unit: "s",
            description: "Time of one group commit of the durable log (flush and commit record), in seconds.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = StorageMetrics.FastDurationBounds });
        _current = new LogGeneration(log, device, commitRecords, 0)
        {
            DamagedInRecoveredPage = DamageInRecoveredPage(log, geometry, Path.GetFullPath(options.DataDirectory)),
        };
        _directoryLock = directoryLock;
        _options = options;
        _logger = logger;
        OpenedAtAddress = log.CommittedUntilAddress;
        ParkRecoveredCursors();
        _commitLoop = Task.Run(RunCommitLoopAsync);
    }

    public string DataDirectory => _options.DataDirectory;

    /// <summary>The log's page and segment sizes, fixed when it was made.</summary>
    public LogGeometry Geometry { get; }

    /// <summary>Which log this is: stored with every row it feeds, so its addresses are never taken for another log's.</summary>
    public LogIdentity Identity { get; }

    public long BeginAddress => _log.BeginAddress;

    public long TailAddress => _log.TailAddress;

    public long CommittedUntilAddress => _log.CommittedUntilAddress;

    /// <summary>Null while the log accepts and commits entries; the failure that stopped it otherwise.</summary>
    public Exception? Fault => _fault;

    /// <summary>Bytes free for the collector on the data dir's file system, or -1 when it cannot be told.</summary>
    public long DiskFreeBytes => DiskSpace.FreeBytes(_options.DataDirectory);

    public int MaxEntryBytes => _options.MaxEntryBytes;

    /// <summary>Entries appended since the log was opened (consumers derive their backlog in entries from it).</summary>
    public long AppendedEntries => Interlocked.Read(ref _appendedEntries);

    /// <summary>Events in the entries appended since the log was opened, as their appenders reported them.</summary>
    public long AppendedEvents => Interlocked.Read(ref _appendedEvents);

    // A safety net only: appenders wake the loop; this bounds the cost of a missed wake-up.
    private static readonly TimeSpan IdleWakeInterval = TimeSpan.FromMilliseconds(50);

    private const string CommitsDirectoryName = "commits";

    /// <summary>Opens (and after a crash, recovers) the log in the data directory; commit times go to <paramref name="meters"/>.</summary>
    public static DurableLog Open(DurableLogOptions options, ILogger logger, IMeterFactory? meters = null)
    {
        var directory = Path.GetFullPath(options.DataDirectory);
        Directory.CreateDirectory(directory);
        var directoryLock = LockDirectory(directory);
        try
        {
            // Settled before the first append: a new log is a new identity and takes its geometry from the settings,
            // whatever files an earlier log left. Segment files with entries and no commit record are a damaged log,
            // not a new one (CommitRecovery).
            var commitDirectory = Path.Combine(directory, CommitsDirectoryName);
            var logIsNew = (!Directory.Exists(commitDirectory) || !Directory.EnumerateFiles(commitDirectory, "*", SearchOption.AllDirectories).Any())
                && !HoldsEntries(options, directory);
            var geometry = logIsNew ? LogGeometry.For(options) : LogGeometry.Of(directory, options);
            if (geometry.Mismatch(options) is { } mismatch)
            {
                throw new LogGeometryMismatchException(mismatch);
            }

            if (logIsNew)
            {
                geometry.Keep(directory);
            }

            var identity = logIsNew ? LogIdentity.Resolve(directory, logIsNew: true, () => 0) : null;
            var settings = CreateFasterSettings(geometry, directory);
            var log = OpenCheckedFasterLog(settings, geometry, options, directory, logger, atStart: true, out var givenUpBytes, out var fromRecord);
            identity ??= LogIdentity.Resolve(directory, logIsNew: false, () => log.CommittedUntilAddress);

            // A log made before geometries were kept adopts the one it was just read with.
            geometry.Keep(directory);
            StorageLog.LogOpened(logger, directory, log.BeginAddress, log.CommittedUntilAddress);
            var opened = new DurableLog(log, settings.LogDevice, settings.LogCommitManager, directoryLock, options, geometry, logger, meters, identity);
            opened._skippedBytes = givenUpBytes;
            if (!fromRecord)
            {
                opened.WriteFirstRecord();
            }

            return opened;
        }
        catch
        {
            directoryLock.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens FASTER on the commit record CommitRecovery checked against the segment files (or refuses with
    /// DamagedLogException), then makes sure FASTER recovered exactly that record: it swallows its own recovery errors
    /// and would start an empty log instead.
    /// </summary>
    private static FasterLog OpenCheckedFasterLog(FasterLogSettings settings, LogGeometry geometry, DurableLogOptions options, string directory, ILogger logger, bool atStart, out long givenUpBytes, out bool fromRecord)
    {
        var segments = new LogSegmentFiles(Path.Combine(directory, "log"), geometry.SegmentBits, geometry.PageBits);
        var chosen = CommitRecovery.Choose(settings.LogCommitDir, segments, geometry.PageBits, logger, atStart && options.Repair, atStart, out givenUpBytes);
        fromRecord = chosen is not null;

        settings.LogCommitManager = new RetainingCommitManager(settings.LogCommitDir, chosen);
        settings.RemoveOutdatedCommits = false;
        var log = new FasterLog(settings, logger);
        if (chosen is not null && (log.BeginAddress != chosen.BeginAddress || log.CommittedUntilAddress != chosen.UntilAddress))
        {
            var recovered = (log.BeginAddress, log.CommittedUntilAddress);
            log.Dispose();
            settings.LogCommitManager.Dispose();
            throw new DamagedLogException(
                $"FASTER recovered begin {recovered.BeginAddress}, end {recovered.CommittedUntilAddress} from commit record {chosen.Number} in {settings.LogCommitDir}, "
                + $"not the checked begin {chosen.BeginAddress}, end {chosen.UntilAddress}; restore the data directory from a backup, or move it aside to start an empty log");
        }

        return log;
    }

    /// <summary>
    /// Gives a log without a commit record its first one before it takes an entry. FASTER writes full pages to the
    /// segment files before any commit, so a kill -9 before the first commit left entries and no record: what a data
    /// dir whose records were deleted looks like, which every later start refuses. With a record from the start, a
    /// log holding entries always has one. When it cannot be written (a full disk), the log is faulted as after any
    /// failed commit, and the reopen writes it before the log takes entries.
    /// </summary>
    private void WriteFirstRecord()
    {
        try
        {
            PersistCursorsAsync().GetAwaiter().GetResult();
        }
        catch (DurableLogUnavailableException ex)
        {
            StorageLog.CommitFailed(_logger, ex);
        }
    }

    /// <summary>
    /// The FASTER settings of a durable log in <paramref name="directory"/>, every default we rely on set
    /// explicitly. Public so that benchmarks measure a raw FasterLog set up the same way.
    /// </summary>
    public static FasterLogSettings CreateFasterSettings(DurableLogOptions options, string directory) =>
        CreateFasterSettings(LogGeometry.For(options), directory);

    private static FasterLogSettings CreateFasterSettings(LogGeometry geometry, string directory)
    {
        Directory.CreateDirectory(directory);
        return new FasterLogSettings
        {
            LogDevice = new SegmentDevice(Path.Combine(directory, "log", "segment")),
            LogCommitDir = Path.Combine(directory, CommitsDirectoryName),
            PageSizeBits = geometry.PageBits,
            // Two pages in memory, the least FASTER works with: appends fill one while the other is written out
            // (a commit every millisecond or so flushes long before a page fills), and a cursor that falls behind
            // reads from the segment files through a one-page frame (SinglePageBuffering). Each page is 8 MiB by
            // default, so memory is what bounds this, not speed (issue 16: 16 MiB less RSS, ack and CPU unchanged).
            MemorySizeBits = geometry.PageBits + 1,
            SegmentSizeBits = geometry.SegmentBits,
            LogChecksum = LogChecksumType.PerEntry,
            TryRecoverLatest = true,
            RemoveOutdatedCommits = true,
            AutoCommit = false,
            FastCommitMode = false,
            MutableFraction = 0,
        };
    }

    /// <summary>
    /// Appends one entry and returns its address. Never waits for disk; it spins only while the in-memory
    /// buffer is full, which is the backpressure ingest should feel. <paramref name="events"/> is how many events
    /// the entry holds, so consumers can tell their lag in events.
    /// </summary>
    public long Append(ReadOnlySpan<byte> entry, int events = 0)
    {
        if (entry.Length > _options.MaxEntryBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(entry), entry.Length, $"entry exceeds {_options.MaxEntryBytes} bytes");
        }

        var address = EnqueueInCurrentGeneration(entry);
        Interlocked.Increment(ref _appendedEntries);
        if (events > 0)
        {
            Interlocked.Add(ref _appendedEvents, events);
        }

        // Wake the commit loop if it sleeps; exactly one appender wins the exchange and releases it.
        if (Volatile.Read(ref _loopIdle) == 1 && Interlocked.Exchange(ref _loopIdle, 0) == 1)
        {
            _commitSignal.Release();
        }

        return address;
    }

    /// <summary>Completes when a commit covers the entry at <paramref name="address"/>, appended just before; throws if the log failed.</summary>
    public ValueTask WaitForCommitAsync(long address, CancellationToken cancellationToken = default) =>
        WaitForCommitAsync(address, Generation, cancellationToken);

    /// <summary>
    /// Completes when a commit covers the entry at <paramref name="address"/>, appended while <see cref="Generation"/>
    /// was <paramref name="generation"/>; throws if that opening of the log failed. An address of an earlier opening
    /// is never taken as committed: the reopened log reuses the addresses of what it discarded.
    /// </summary>
    public ValueTask WaitForCommitAsync(long address, int generation, CancellationToken cancellationToken = default) =>
        _current is var current && current.Number == generation && current.Log.CommittedUntilAddress > address
            ? ValueTask.CompletedTask
            : WaitForCommitSlowAsync(address, generation, cancellationToken);

    /// <summary>
    /// The committed entry at <paramref name="address"/>, read alone: a read of a few sectors, where a scan would read
    /// a whole page into a frame of its own (8 MiB, pinned, garbage once the scan ends). Null when no committed entry
    /// is there or it does not read whole (a damaged one): a scan, which skips damage, answers then.
    /// </summary>
    internal async ValueTask<byte[]?> ReadEntryAtAsync(long address, CancellationToken cancellationToken)
    {
        var generation = _current;
        try
        {
            var (entry, length) = await generation.Log.ReadAsync(address, token: cancellationToken);
            return entry is null || length != entry.Length ? null : entry;
        }
        catch (FasterException)
        {
            return null;
        }
    }

    /// <summary>Reads committed entries from <paramref name="fromAddress"/> up to the committed tail at the time of the call.</summary>
    public async IAsyncEnumerable<LogRecord> ReadCommittedAsync(long fromAddress, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var end = _log.CommittedUntilAddress;
        var begin = Math.Max(fromAddress, _log.BeginAddress);
        if (begin >= end)
        {
            yield break;
        }

        var generation = _current;
        var iterator = generation.Track(generation.Log.Scan(begin, end, name: null, recover: false, ScanBufferingMode.SinglePageBuffering, scanUncommitted: false));
        try
        {
            while (await WaitInGenerationAsync(generation, iterator, cancellationToken)
                ?? throw new DurableLogUnavailableException($"the durable log failed while it was read; read again once it takes entries: {FaultReason}"))
            {
                while (TryReadSkippingDamage(generation, ref iterator, string.Empty, 0, end, out var owner, out var record))
                {
                    using (owner)
                    {
                        yield return record;
                    }
                }
            }
        }
        finally
        {
            generation.Release(iterator);
        }
    }

    /// <summary>
    /// Opens the consumer cursor <paramref name="name"/>, resuming where its last persisted completion left it,
    /// or at the start of the log the first time.
    /// </summary>
    public LogCursor OpenCursor(string name)
    {
        ThrowIfFaulted();
        lock (_parked)
        {
            FasterLogScanIterator iterator;
            if (_parked.Remove(name, out var parked))
            {
                // Reopened in the same run (a consumer restarting after a failure): resume where it said it was done,
                // not where the log recovered it at start.
                _current.Release(parked.Iterator);
                iterator = ScanFrom(name, parked.CompletedUntil);
            }
            else
            {
                // Never persisted before (ParkRecoveredCursors took every recovered one): from the start.
                iterator = ScanFrom(name, _log.BeginAddress);
            }

            return new LogCursor(iterator, _current, name, this);
        }
    }

    /// <summary>
    /// A named iterator from <paramref name="address"/>, with that position marked complete at once: FASTER writes
    /// a named iterator's completed position into every commit, and a new iterator's is 0 until marked, so an
    /// unmarked one would persist 0 and a kill -9 before the consumer's first completion would send it back to the
    /// start of the log.
    /// </summary>
    private FasterLogScanIterator ScanFrom(string name, long address)
    {
        var start = Math.Max(address, _log.BeginAddress);
        return ScanIn(_current, name, start, start);
    }

    /// <summary>
    /// Registers every cursor the commit record holds, at its recovered position, before the first commit of this
    /// run: a commit carries only the iterators registered at that moment, so a consumer that starts late (ClickHouse
    /// away, the upstream not yet connected) would otherwise lose its persisted position with the next commit.
    /// </summary>
    private void ParkRecoveredCursors()
    {
        lock (_parked)
        {
            foreach (var (name, completedUntil) in _log.RecoveredIterators ?? [])
            {
                _parked[name] = (ScanFrom(name, completedUntil), Math.Max(completedUntil, _log.BeginAddress));
            }
        }
    }

    /// <summary>
    /// Opens an unnamed reader of committed entries from <paramref name="fromAddress"/> on, following the tail; its
    /// position is not persisted (a second view of the log, such as the forwarder's live lane).
    /// </summary>
    public LogCursor OpenReader(long fromAddress)
    {
        ThrowIfFaulted();
        var generation = _current;
        var iterator = generation.Track(generation.Log.Scan(Math.Max(fromAddress, generation.Log.BeginAddress), long.MaxValue, name: null, recover: false, ScanBufferingMode.SinglePageBuffering, scanUncommitted: false));
        return new LogCursor(iterator, generation, string.Empty, this);
    }

    /// <summary>
    /// Where the newest commit record on disk holds cursor <paramref name="name"/>: what a restart after kill -9 resumes
    /// that consumer from. -1 while no record holds it.
    /// </summary>
    public long PersistedPosition(string name) =>
        _current.CommitRecords is RetainingCommitManager records && records.PersistedCursors.TryGetValue(name, out var position) ? position : -1;

    /// <summary>The committed end of the log when it was opened: entries appended by this run lie after it.</summary>
    public long OpenedAtAddress { get; }

    /// <summary>
    /// Takes back a closed cursor's iterator and keeps it registered with FASTER until the log's final commit: an
    /// iterator disposed earlier would drop out of that commit, and its persisted position with it.
    /// </summary>
    internal void Park(string name, FasterLogScanIterator iterator, long completedUntil)
    {
        lock (_parked)
        {
            if (_closed || name.Length == 0)
            {
                _current.Release(iterator);
                return;
            }

            if (!_current.Owns(iterator) && _current.Fault is null)
            {
                // Of an opening of the log that failed and was retired (which disposed it): its position goes on.
                ParkAfterReopen(name, completedUntil);
                return;
            }

            // While the log is faulted the position waits here for the reopen, which carries it over.
            _parked[name] = (iterator, completedUntil);
        }
    }

    /// <summary>
    /// Lets FASTER drop the log before <paramref name="address"/> (every consumer is past it); takes effect with the
    /// next commit. Whole segment files are deleted once nothing in them is needed.
    /// </summary>
    public void TruncateUntil(long address)
    {
        var generation = _current;
        if (!generation.TryEnter())
        {
            return;
        }

        try
        {
            if (address > generation.Log.BeginAddress && address <= generation.Log.CommittedUntilAddress)
            {
                RaiseParkedCursors(address);
                generation.Log.TruncateUntil(address);
            }
        }
        finally
        {
            generation.Exit();
        }
    }

    /// <summary>
    /// Drops the log before <paramref name="address"/> (an entry's start) even though consumers may not be past it
    /// (LogBudget): every cursor behind it, running or parked, is raised to it first, so the next commit record holds
    /// no cursor before its begin, and a running consumer reads on from there.
    /// </summary>
    public void DropUntil(long address)
    {
        var generation = _current;
        if (!generation.TryEnter())
        {
            return;
        }

        try
        {
            generation.RaiseIterators(address);
        }
        finally
        {
            generation.Exit();
        }

        TruncateUntil(address);
    }

    /// <summary>
    /// Moves the cursors of consumers not running now (a consumer no longer configured) up to the new begin, so no
    /// commit record holds a cursor before its begin: recovery takes that as a damaged begin (see CommitRecordCheck).
    /// </summary>
    private void RaiseParkedCursors(long begin)
    {
        lock (_parked)
        {
            foreach (var (name, (iterator, _)) in _parked.Where(p => p.Value.CompletedUntil < begin).ToList())
            {
                iterator.CompleteUntil(begin);
                _parked[name] = (iterator, begin);
            }
        }
    }

    /// <summary>Commits everything appended so far and waits for it.</summary>
    public Task CommitAsync(CancellationToken cancellationToken = default) =>
        CommitInCurrentGenerationAsync((log, token) => log.CommitAsync(token), cancellationToken);

    /// <summary>
    /// Writes a commit record even when no entry was appended since the last one, so that cursor positions set by
    /// CompleteUntil are persisted: a plain commit with nothing new to cover is skipped by FASTER, cursors and all.
    /// </summary>
    public Task PersistCursorsAsync(CancellationToken cancellationToken = default) =>
        // A commit that carries a cookie is never skipped; we keep nothing in it.
        CommitInCurrentGenerationAsync(async (log, token) => await log.CommitStronglyAsync(cookie: [], token: token), cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _commitLoop;
        if (_fault is null)
        {
            try
            {
                // Strongly, so that cursor positions are written even when no entry came since the last commit;
                // one whose record cannot be written never completes, so the generation's fault ends the wait.
                await _log.CommitStronglyAsync(cookie: [], token: _current.Faulted);
                StorageLog.LogClosed(_logger, _log.CommittedUntilAddress);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                StorageLog.CommitFailed(_logger, ex);
            }
        }

        lock (_parked)
        {
            _closed = true;
            foreach (var (iterator, _) in _parked.Values)
            {
                iterator.Dispose();
            }

            _parked.Clear();
        }

        _log.Dispose();
        _commitRecords.Dispose();
        _device.Dispose();
        _current.Dispose();
        _directoryLock.Dispose();
        _stopping.Dispose();
        _commitSignal.Dispose();
    }

    private static FileStream LockDirectory(string directory)
    {
        var path = Path.Combine(directory, "collector.lock");
        try
        {
            // FileShare.None is an exclusive advisory lock on Unix; the kernel drops it when the process dies.
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new DurableLogUnavailableException($"data directory {directory} is in use by another collector ({path} is locked)", ex);
        }
    }

    /// <summary>Whether the data dir's segment files hold an entry at the first address (a log, whatever its records say).</summary>
    private static bool HoldsEntries(DurableLogOptions options, string directory)
    {
        var logDirectory = Path.Combine(directory, "log");
        if (!Directory.Exists(logDirectory) || !Directory.EnumerateFiles(logDirectory, "segment.*").Any())
        {
            return false;
        }

        var geometry = LogGeometry.Of(directory, options);
        return new LogSegmentFiles(logDirectory, geometry.SegmentBits, geometry.PageBits).LowestEntryAddress() is not null;
    }

    private static TaskCompletionSource NewCommitSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private async ValueTask WaitForCommitSlowAsync(long address, int generation, CancellationToken cancellationToken)
    {
        while (true)
        {
            // Take the signal before checking, so a commit between the two cannot be missed.
            var signal = Volatile.Read(ref _committed).Task;
            var current = _current;
            if (current.Number != generation)
            {
                throw new DurableLogUnavailableException($"the durable log failed before this entry was committed and was reopened from its last commit without it: {FaultReason ?? "retry"}");
            }

            if (current.Log.CommittedUntilAddress > address)
            {
                return;
            }

            ThrowIfFaulted();
            await signal.WaitAsync(cancellationToken);
        }
    }

    private void NotifyCommitted() => Interlocked.Exchange(ref _committed, NewCommitSignal()).TrySetResult();

    private async Task RunCommitLoopAsync()
    {
        var token = _stopping.Token;
        while (!token.IsCancellationRequested)
        {
            try
            {
                if (_current.Fault is { } appendFailure)
                {
                    // An append met FASTER's stored commit failure first.
                    await RecoverFromFailureAsync(_current, appendFailure, token);
                    continue;
                }

                if (_log.TailAddress > _log.CommittedUntilAddress)
                {
                    var started = Stopwatch.GetTimestamp();
                    var generation = _current;
                    using (var span = StorageActivity.StartCommit(generation.Log.TailAddress))
                    using (var committing = CancellationTokenSource.CreateLinkedTokenSource(token, generation.Faulted))
                    {
                        // A commit whose record could not be written never completes in FASTER: the fault ends the wait.
                        await generation.Log.CommitAsync(committing.Token);
                    }

                    NotifyCommitted();
                    _commitDuration?.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
                    var spacing = _options.CommitInterval - Stopwatch.GetElapsedTime(started);
                    if (spacing > TimeSpan.Zero)
                    {
                        await Task.Delay(spacing, token);
                    }

                    continue;
                }

                // Nothing waits: sleep until an appender wakes us (re-check first to not miss one).
                Volatile.Write(ref _loopIdle, 1);
                if (_log.TailAddress > _log.CommittedUntilAddress)
                {
                    Volatile.Write(ref _loopIdle, 0);
                    continue;
                }

                await _commitSignal.WaitAsync(IdleWakeInterval, token);
                Volatile.Write(ref _loopIdle, 0);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // The generation's own fault, when it has one, says why (a commit record that was not written).
                await RecoverFromFailureAsync(_current, _current.Fault ?? ex, token);
            }
        }
    }

    private void ThrowIfFaulted()
    {
        if (_fault is { } fault)
        {
            throw new DurableLogUnavailableException($"the durable log takes no entries for now: {FaultReason}", fault);
        }
    }
}
