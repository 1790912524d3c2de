using Microsoft.Extensions.Logging;

namespace Collector.ClientSdk.Durable;

/// <summary>
/// The durable spool of a client in durable mode: every logged event on disk before it is sent and until the
/// collector has acknowledged it, so a service killed with -9 resends at its next start what it had logged.
/// </summary>
/// <remarks>
/// <para>
/// Flow: log call → EventBuffer → <see cref="SpoolJournal"/> (numbers events into batch records and writes each group
/// of them with one write and one fsync) → segment files → <see cref="ReadNext"/> (the sender reads them back in order)
/// → collector → Ack → <see cref="Acknowledged"/>, which trims.
/// </para>
/// <code>
///   spool-…07.seg             spool-…08.seg                     spool-…09.seg (the journal's)
///   [hdr][ack][batch][batch]  [hdr][ack][batch][batch][batch]   [hdr][ack][batch][batch][ack][batch] End
///              └─ acknowledged ───────┘└ in flight ┘^ read cursor └─ unsent ─────────────────────┘
/// </code>
/// <para>Invariants:</para>
/// <list type="bullet">
/// <item>Only the journal appends, and only to the newest segment, which no earlier process wrote (each start opens a
/// new one): a torn record can only end a segment, and recovery cuts it there.</item>
/// <item>A record is counted only whole and with its CRC-32C (<see cref="SpoolRecord"/>); a torn or damaged one ends
/// its segment's valid records and is cut, counted (<see cref="TelemetryStats.SpoolCutBytes"/>) and logged, never sent.</item>
/// <item>A batch record holds the EventBatch exactly as it is sent (source id, first sequence, events), so a resend
/// after a restart carries the same source id and sequences and the collector's per-source dedup stores each event
/// once.</item>
/// <item>Positions compare by (segment, offset). The read cursor, the acknowledged position and the segments' ends
/// only move forward; the reader never reads past a segment's End, which the journal moves after its write (and, for
/// batches, its fsync) completed.</item>
/// <item>Acks come in the order the batches were read, so acknowledged-through-P covers every batch before P. The
/// journal appends it as an Acknowledged record (without an fsync of its own: losing one only means a resend the
/// collector drops), and every new segment starts with one, so a start resends only what follows it.</item>
/// <item>Who deletes: the ack path, a segment whose batches are all acknowledged once the reader has left it; the
/// journal, the oldest segments while the spool is over its budget, counting their unsent events as dropped; dispose,
/// every segment when everything was acknowledged. The newest segment stays while the client runs.</item>
/// <item>One client per directory: spool.lock is held open exclusively for the client's life.</item>
/// </list>
/// </remarks>
internal sealed class DurableSpool : IDisposable
{
    private const string LockFileName = "spool.lock";

    private readonly Lock _gate = new();
    private readonly List<SpoolSegment> _segments;
    private readonly List<(SpoolPosition End, FlushMarker Marker)> _waiters = [];
    private readonly WakeSignal _published = new();
    private readonly ClientCounters _counters;
    private readonly ILogger _logger;
    private readonly FileStream _lock;
    private readonly long _maxBytes;
    private readonly TimeSpan _warningInterval;
    private byte[] _scratch = new byte[64 * 1024];
    private SpoolPosition _read;
    private SpoolPosition _acknowledged;
    private SpoolPosition _lastBatchEnd;
    private long _pendingEvents;
    private long _bytes;
    private long _nextSegmentNumber;
    private long _overBudgetDrops;
    private long _overBudgetDropsWarned;
    private DateTime _lastBudgetWarning = DateTime.MinValue;

    private DurableSpool(string directory, FileStream lockFile, SpoolRecovery.Result recovered, TelemetryClientOptions options, ClientCounters counters, ILogger logger)
    {
        Directory = directory;
        _lock = lockFile;
        _counters = counters;
        _logger = logger;
        _maxBytes = options.DurableSpoolMaxBytes;
        _warningInterval = options.DropWarningInterval;
        SegmentBytes = Math.Clamp(_maxBytes / 16, 64 * 1024, 4 * 1024 * 1024);
        _segments = recovered.Segments;
        _read = recovered.ReadFrom;
        _acknowledged = recovered.Acknowledged;
        _lastBatchEnd = recovered.LastBatchEnd;
        _pendingEvents = recovered.PendingEvents;
        _bytes = _segments.Sum(s => s.End);
        _nextSegmentNumber = _segments.Count == 0 ? 1 : _segments[^1].Number + 1;
        NextSequenceFloor = recovered.MaxSequence + 1;
        counters.SpoolCut(recovered.CutBytes);
    }

    public string Directory { get; }

    /// <summary>Above every sequence the spool holds: the client numbers its events from here at least.</summary>
    public ulong NextSequenceFloor { get; }

    /// <summary>The size past which the journal starts a new segment.</summary>
    public long SegmentBytes { get; }

    /// <summary>Events in the spool not yet acknowledged (read back from an earlier run included).</summary>
    public long PendingEvents => Volatile.Read(ref _pendingEvents);

    /// <summary>Bytes the segment files take.</summary>
    public long Bytes => Volatile.Read(ref _bytes);

    public SpoolPosition AcknowledgedThrough
    {
        get
        {
            lock (_gate)
            {
                return _acknowledged;
            }
        }
    }

    /// <summary>Whether the sender has records to read.</summary>
    public bool HasUnsent
    {
        get
        {
            lock (_gate)
            {
                return _read < _lastBatchEnd;
            }
        }
    }

    /// <summary>Locks <paramref name="options"/>' directory (created if need be) and reads what an earlier run left in it.</summary>
    /// <exception cref="IOException">The directory cannot be used: another client holds it, or it cannot be read.</exception>
    public static DurableSpool Open(TelemetryClientOptions options, ClientCounters counters, ILogger logger)
    {
        var directory = Path.GetFullPath(options.DurableSpoolDirectory!);
        System.IO.Directory.CreateDirectory(directory);
        FileStream lockFile;
        try
        {
            // FileShare.None holds an exclusive lock on the file (flock on Unix), released by the kernel if we are killed.
            lockFile = new FileStream(Path.Combine(directory, LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new IOException($"The durable spool {directory} could not be locked; one TelemetryClient (one process) at a time may use a spool directory: {ex.Message}", ex);
        }

        try
        {
            var recovered = SpoolRecovery.Recover(directory, logger);
            if (recovered.PendingEvents > 0)
            {
                DurableSpoolLog.Recovered(logger, directory, recovered.PendingEvents);
            }

            return new DurableSpool(directory, lockFile, recovered, options, counters, logger);
        }
        catch
        {
            lockFile.Dispose();
            throw;
        }
    }

    /// <summary>Sleeps the sender until the journal publishes records or the timeout passes.</summary>
    public Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _published.WaitAsync(() => HasUnsent, timeout, cancellationToken);

    /// <summary>The sender's next batch, read back from disk; null when it has read everything published.</summary>
    public SentBatch? ReadNext()
    {
        lock (_gate)
        {
            while (_segments.Count > 0)
            {
                var index = _segments.FindIndex(s => s.Number >= _read.Segment);
                if (index < 0)
                {
                    return null;
                }

                var segment = _segments[index];
                if (segment.Number != _read.Segment || _read.Offset < SpoolSegment.FileHeaderBytes)
                {
                    _read = segment.Start;
                }

                if (_read.Offset >= segment.End)
                {
                    if (index == _segments.Count - 1)
                    {
                        return null;
                    }

                    segment.CloseReader();
                    _read = _segments[index + 1].Start;
                    TrimAcknowledged();
                    continue;
                }

                var status = segment.Read(_read.Offset, ref _scratch, out var kind, out var length);
                if (status != SpoolRecordStatus.Valid)
                {
                    // Damaged under us (the disk, or someone else): what is left of the segment is given up.
                    _counters.SpoolCut(segment.End - _read.Offset);
                    DurableSpoolLog.RecordsCut(_logger, segment.Path, status, _read.Offset, segment.End - _read.Offset);
                    GiveUpUnsent(segment);
                    _read = new SpoolPosition(segment.Number, segment.End);
                    continue;
                }

                _read = new SpoolPosition(segment.Number, _read.Offset + length);
                if (kind != SpoolRecordKind.Batch || _read <= _acknowledged)
                {
                    continue;
                }

                var count = SpoolRecord.BatchCount(_scratch);
                segment.UnsentEvents -= count;
                var message = _scratch.AsSpan(SpoolRecord.BatchMessageOffset, length - SpoolRecord.BatchMessageOffset).ToArray();
                return SentBatch.FromDurableSpool(message, count, SpoolRecord.BatchFirstSequence(_scratch), _read);
            }

            return null;
        }
    }

    /// <summary>The collector acknowledged <paramref name="batch"/> (and so everything read before it).</summary>
    public void Acknowledged(SentBatch batch)
    {
        lock (_gate)
        {
            _acknowledged = SpoolPosition.Max(_acknowledged, batch.DurableSpoolEnd);
            Interlocked.Add(ref _pendingEvents, -batch.Count);
            CompleteWaiters();
            TrimAcknowledged();
        }
    }

    /// <summary>The journal opened a new segment (its header and first records written).</summary>
    public void AddSegment(SpoolSegment segment)
    {
        lock (_gate)
        {
            _segments.Add(segment);
            Interlocked.Add(ref _bytes, segment.End);
        }
    }

    public long NewSegmentNumber() => Interlocked.Increment(ref _nextSegmentNumber) - 1;

    /// <summary>
    /// The journal wrote (and for batches fsync'd) a group: <paramref name="segment"/> now ends at <paramref name="end"/>,
    /// its newest batch record at <paramref name="lastBatchEnd"/> (0: the group had none) with <paramref name="events"/>
    /// events in the group. The budget is applied, then the flush markers taken with the group are settled.
    /// </summary>
    public void Published(SpoolSegment segment, long end, long lastBatchEnd, long events, List<FlushMarker> markers)
    {
        lock (_gate)
        {
            Interlocked.Add(ref _bytes, end - segment.End);
            segment.End = end;
            if (lastBatchEnd > 0)
            {
                segment.LastBatchEnd = lastBatchEnd;
                segment.UnsentEvents += events;
                _lastBatchEnd = new SpoolPosition(segment.Number, lastBatchEnd);
                Interlocked.Add(ref _pendingEvents, events);
            }

            EnforceBudget();
            Settle(markers);
        }

        _published.Wake();
    }

    /// <summary>
    /// Flush markers whose events are all written: one waiting for the spool is done; one waiting for acknowledgements
    /// waits for the newest batch written so far.
    /// </summary>
    public void Settle(List<FlushMarker> markers)
    {
        lock (_gate)
        {
            foreach (var marker in markers)
            {
                if (marker.SpoolOnly)
                {
                    marker.Complete();
                }
                else
                {
                    _waiters.Add((_lastBatchEnd, marker));
                }
            }

            CompleteWaiters();
        }
    }

    /// <summary>Gives up the oldest segments while the spool is over its budget; their unsent events count as dropped.</summary>
    private void EnforceBudget()
    {
        lock (_gate)
        {
            while (Bytes > _maxBytes && _segments.Count > 1)
            {
                var oldest = _segments[0];
                _overBudgetDrops += oldest.UnsentEvents;
                GiveUpUnsent(oldest);
                RemoveOldest();
            }

            if (_overBudgetDrops > _overBudgetDropsWarned && DateTime.UtcNow - _lastBudgetWarning >= _warningInterval)
            {
                DurableSpoolLog.OverBudget(_logger, _maxBytes, _overBudgetDrops - _overBudgetDropsWarned, _overBudgetDrops);
                _overBudgetDropsWarned = _overBudgetDrops;
                _lastBudgetWarning = DateTime.UtcNow;
            }
        }
    }

    /// <summary>After the journal stopped: an empty spool when everything was acknowledged, else what is left stays for the next start.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            var everythingAcknowledged = _lastBatchEnd <= _acknowledged && PendingEvents == 0;
            foreach (var segment in _segments)
            {
                if (everythingAcknowledged)
                {
                    segment.Delete();
                    Interlocked.Add(ref _bytes, -segment.End);
                }

                segment.Dispose();
            }

            _segments.Clear();
        }

        _published.Dispose();
        _lock.Dispose();
    }

    private void GiveUpUnsent(SpoolSegment segment)
    {
        if (segment.UnsentEvents > 0)
        {
            _counters.Dropped(segment.UnsentEvents);
            Interlocked.Add(ref _pendingEvents, -segment.UnsentEvents);
            segment.UnsentEvents = 0;
        }

        // Flushes waiting for batches that will never be acknowledged now wait for the newest batch instead, or are
        // done if that one is gone too.
        var end = new SpoolPosition(segment.Number, long.MaxValue);
        for (var i = _waiters.Count - 1; i >= 0; i--)
        {
            if (_waiters[i].End <= end)
            {
                var marker = _waiters[i].Marker;
                _waiters.RemoveAt(i);
                if (_lastBatchEnd <= end)
                {
                    marker.Complete();
                }
                else
                {
                    _waiters.Add((_lastBatchEnd, marker));
                }
            }
        }

        CompleteWaiters();
    }

    private void CompleteWaiters()
    {
        for (var i = _waiters.Count - 1; i >= 0; i--)
        {
            if (_waiters[i].End <= _acknowledged)
            {
                _waiters[i].Marker.Complete();
                _waiters.RemoveAt(i);
            }
        }
    }

    /// <summary>Deletes the oldest segments whose batches are all acknowledged and which the reader has left.</summary>
    private void TrimAcknowledged()
    {
        while (_segments.Count > 1)
        {
            var oldest = _segments[0];
            var acknowledged = oldest.LastBatchEnd == 0 || new SpoolPosition(oldest.Number, oldest.LastBatchEnd) <= _acknowledged;
            if (!acknowledged || _read.Segment <= oldest.Number)
            {
                return;
            }

            RemoveOldest();
        }
    }

    private void RemoveOldest()
    {
        var oldest = _segments[0];
        oldest.Delete();
        _segments.RemoveAt(0);
        Interlocked.Add(ref _bytes, -oldest.End);
        if (_read.Segment <= oldest.Number)
        {
            _read = _segments[0].Start;
        }
    }
}
