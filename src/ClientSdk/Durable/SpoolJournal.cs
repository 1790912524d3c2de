using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace Collector.ClientSdk.Durable;

/// <summary>
/// The durable mode's consumer of the buffer: numbers and encodes waiting events into batch records and appends them to
/// the spool in groups, one write and one fsync a group (group commit). An event that finds the journal idle opens a
/// group that waits DurableSpoolSyncDelay for more; events that arrive while a group is written form the next group at
/// once. One fsync covers every event of its group, and log calls never wait for it. Events leave the buffer's limits
/// once their group is on disk. A failed write keeps the group in memory and retries it in a new segment; meanwhile
/// the buffer fills and its drop policy applies.
/// </summary>
internal sealed class SpoolJournal : IAsyncDisposable
{
    // One group's write at most (and at most a segment, so the budget holds); more waiting goes in the next group at once.
    private const int MaxGroupBytes = 4 * 1024 * 1024;

    private readonly TelemetryClientOptions _options;
    private readonly EventBuffer _buffer;
    private readonly ClientCounters _counters;
    private readonly ILogger _logger;
    private readonly DurableSpool _spool;
    private readonly BatchBuilder _builder;
    private readonly SpoolGroup _group;
    private readonly List<FlushMarker> _markers = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;
    private SpoolSegment? _active;
    private SafeFileHandle? _file;
    private SpoolPosition _acknowledgedWritten;
    private bool _groupUnwritten;
    private TimeSpan _retryDelay;
    private DateTime _lastFailureWarning = DateTime.MinValue;

    public SpoolJournal(TelemetryClientOptions options, EventBuffer buffer, ClientCounters counters, ILogger logger, DurableSpool spool, BatchBuilder builder)
    {
        _options = options;
        _buffer = buffer;
        _counters = counters;
        _logger = logger;
        _spool = spool;
        _builder = builder;
        _group = new SpoolGroup(builder.SourceId);
        _acknowledgedWritten = spool.AcknowledgedThrough;
        _retryDelay = options.MinReconnectDelay;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Stops after writing what is still in the buffer (one last group, or none if the disk fails).</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _file?.Dispose();
        _stopping.Dispose();
    }

    private async Task RunAsync()
    {
        var token = _stopping.Token;
        while (true)
        {
            var stopping = token.IsCancellationRequested;
            if (!stopping && !_groupUnwritten && !_buffer.HasQueued)
            {
                try
                {
                    await _buffer.WaitAsync(_options.FlushInterval, token);
                    if (_buffer.HasQueued && _options.DurableSpoolSyncDelay > TimeSpan.Zero && _buffer.Held < _options.MaxBatchEvents)
                    {
                        // The group window, opened by an event that found the journal idle: what arrives meanwhile
                        // shares this group's fsync. Events that arrived during the last write have waited already.
                        await Task.Delay(_options.DurableSpoolSyncDelay, token);
                    }
                }
                catch (OperationCanceledException)
                {
                    stopping = true;
                }
            }

            var written = CommitGroup();
            if (stopping && (!written || !_buffer.HasQueued))
            {
                return;
            }

            if (!written)
            {
                try
                {
                    await Task.Delay(_retryDelay, token);
                }
                catch (OperationCanceledException)
                {
                    // One last try at the top of the loop.
                }

                _retryDelay = TimeSpan.FromTicks(Math.Min(_options.MaxReconnectDelay.Ticks, _retryDelay.Ticks * 2));
            }
        }
    }

    /// <summary>Builds the next group (unless the last one still waits to be written), writes and publishes it; false when the write failed.</summary>
    private bool CommitGroup()
    {
        if (!_groupUnwritten)
        {
            Build();
        }

        if (_group.Length == 0)
        {
            _spool.Settle(_markers);
            return true;
        }

        long start;
        try
        {
            OpenSegmentIfNeeded();
            start = _active!.End;
            RandomAccess.Write(_file!, _group.Written, start);
            if (_group.Events > 0)
            {
                // An Acknowledged record alone needs no fsync: losing it costs a resend the collector drops.
                RandomAccess.FlushToDisk(_file!);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            AbandonSegment();
            _groupUnwritten = true;
            if (DateTime.UtcNow - _lastFailureWarning >= _options.DropWarningInterval)
            {
                DurableSpoolLog.WriteFailed(_logger, _spool.Directory, ex.Message, _retryDelay.TotalMilliseconds);
                _lastFailureWarning = DateTime.UtcNow;
            }

            return false;
        }

        // Counted before the flush markers of the group are settled, so a FlushToSpoolAsync sees the figures.
        _groupUnwritten = false;
        _retryDelay = _options.MinReconnectDelay;
        _buffer.Release(_group.Events, _group.EstimatedBytes);
        _counters.AddSpooled(_group.Events);
        _spool.Published(_active, start + _group.Length, _group.LastBatchEnd == 0 ? 0 : start + _group.LastBatchEnd, _group.Events, _markers);
        return true;
    }

    private void Build()
    {
        _group.Reset();
        _markers.Clear();
        var acknowledged = _spool.AcknowledgedThrough;
        if (acknowledged > _acknowledgedWritten)
        {
            _group.AddAcknowledged(acknowledged);
            _acknowledgedWritten = acknowledged;
        }

        while (_group.Length < Math.Min(MaxGroupBytes, _spool.SegmentBytes))
        {
            _group.BeginBatch(_builder.NextSequence);
            var took = _builder.Fill(_group, _markers);
            _group.EndBatch();
            if (!took)
            {
                break;
            }
        }

        while (_buffer.TryTakeOrphanMarker(out var marker))
        {
            _markers.Add(marker!);
        }
    }

    /// <summary>The first write of a run, or a full segment, or a failed one: a new segment, durable with its name.</summary>
    private void OpenSegmentIfNeeded()
    {
        if (_active is not null && _active.End < _spool.SegmentBytes)
        {
            return;
        }

        _file?.Dispose();
        _file = null;
        _active = null;
        var number = _spool.NewSegmentNumber();
        var segment = new SpoolSegment(number, Path.Combine(_spool.Directory, SpoolSegment.FileName(number)));
        var file = File.OpenHandle(segment.Path, FileMode.CreateNew, FileAccess.Write, FileShare.Read | FileShare.Delete);
        try
        {
            // Every segment starts with where the acks stand, so it never depends on an older one that may be deleted.
            Span<byte> head = stackalloc byte[SpoolSegment.FileHeaderBytes + SpoolRecord.AcknowledgedBytes];
            SpoolSegment.FileHeader.CopyTo(head);
            _acknowledgedWritten = _spool.AcknowledgedThrough;
            var length = SpoolSegment.FileHeaderBytes + SpoolRecord.WriteAcknowledged(head[SpoolSegment.FileHeaderBytes..], _acknowledgedWritten);
            RandomAccess.Write(file, head[..length], 0);
            RandomAccess.FlushToDisk(file);
            DirectorySync.Flush(_spool.Directory);
            segment.End = length;
        }
        catch
        {
            file.Dispose();
            segment.Delete();
            throw;
        }

        _spool.AddSegment(segment);
        _file = file;
        _active = segment;
    }

    /// <summary>After a failed write: the segment keeps only what was published (best effort) and takes no more.</summary>
    private void AbandonSegment()
    {
        if (_file is not null && _active is not null)
        {
            try
            {
                RandomAccess.SetLength(_file, _active.End);
            }
            catch (IOException)
            {
                // What the failed write left past End is never read now, and a later start cuts or resends it.
            }

            _file.Dispose();
        }

        _file = null;
        _active = null;
    }
}
