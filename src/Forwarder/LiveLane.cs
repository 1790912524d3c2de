using Collector.Storage.Dedup;
using Collector.Storage.Log;

namespace Collector.Forwarder;

/// <summary>
/// While a large backlog drains, live entries (from the tail at the moment the drain began, the boundary) of sources
/// that have nothing left in the backlog go out at once on a stream of their own, with a reserved share of the
/// in-flight window, instead of waiting behind hours of backlog.
/// <code>
///   log:  cursor ── backlog lane reads ──▶ ....... boundary ── live lane reads ──▶ ....... tail
///                                                  └ sources with backlog left: skipped here, sent by the backlog lane
/// </code>
/// Order per source is what makes the upstream's dedup exact, so a source goes live only if every entry it had before
/// the boundary is already delivered; a source the lane once skipped stays with the backlog lane for this drain.
/// The backlog lane reads past entries the live lane delivered, and never reads an entry the live lane still has in
/// flight or has not read yet, so the persisted cursor cannot pass an undelivered live entry. When the backlog lane
/// reaches the live lane's read position with nothing in flight, the lanes merge and the live lane closes. A lane
/// whose session failed stops reading for good (its undelivered entries fall to the backlog lane, in order) and
/// stays only to tell the backlog lane what it delivered.
/// </summary>
internal sealed class LiveLane : IDisposable
{
    private readonly LogCursor _reader;
    private readonly ForwardBatchBuilder _builder;
    private readonly ForwarderOptions _options;
    private readonly long _boundary;
    private readonly long _openedAt;
    private readonly Dictionary<string, long> _lastBeforeBoundary;
    private readonly Dictionary<string, bool> _sourceIsLive = new(StringComparer.Ordinal);
    private readonly HashSet<long> _deliveredEntries = [];
    private readonly Queue<(ForwardBatch Batch, List<long> Entries, Task<DeliveryResult> Done)> _inFlight = new();

    public LiveLane(DurableLog log, SourceSequences sources, ForwardBatchBuilder builder, ForwarderOptions options)
    {
        // The boundary first, then the sources: a source's last address read after it may be newer, never older.
        _boundary = log.CommittedUntilAddress;
        _lastBeforeBoundary = sources.SnapshotLastAddresses();
        _openedAt = log.OpenedAtAddress;
        _reader = log.OpenReader(_boundary);
        ReadUntil = _boundary;
        _builder = builder;
        _options = options;
        Slots = Math.Max(1, (int)Math.Round(options.MaxInFlightBatches * options.LiveShare));
    }

    /// <summary>In-flight batches reserved for the live lane (its share of the window).</summary>
    public int Slots { get; }

    public IUpstreamSession? Session { get; set; }

    /// <summary>False once its session failed or the lanes are merging: it reads nothing more.</summary>
    public bool Reading { get; set; } = true;

    public int InFlight => _inFlight.Count;

    public long ReadUntil { get; private set; }

    public long EventsSent { get; private set; }

    /// <summary>True for an entry this lane delivered (the backlog lane reads past it).</summary>
    public bool Delivered(long address) => _deliveredEntries.Contains(address);

    /// <summary>The backlog lane may read up to here: the oldest live entry in flight, else what this lane has read.</summary>
    public long BacklogLimit => _inFlight.TryPeek(out var head) ? head.Entries[0] : ReadUntil;

    /// <summary>Reads what is there from the tail and sends the entries of live sources, up to the lane's slots.</summary>
    public async Task FillAsync(long backlogDelivered, CancellationToken cancellationToken)
    {
        while (Reading && Session is { } session && _inFlight.Count < Slots)
        {
            var batch = new ForwardBatch();
            var entries = new List<long>();
            while (batch.Events < _options.BatchEvents && batch.Bytes < _options.BatchBytes && _reader.TryRead(out var owner, out var record))
            {
                using (owner)
                {
                    ReadUntil = record.NextAddress;
                    if (IsLive(record, backlogDelivered))
                    {
                        _builder.Add(batch, record);
                        entries.Add(record.Address);
                    }
                }
            }

            if (entries.Count == 0)
            {
                return;
            }

            batch.Attempts++;
            batch.SentAt = DateTimeOffset.UtcNow;
            var done = batch.Runs.Count == 0 ? Task.FromResult(default(DeliveryResult)) : await session.SendAsync(batch, cancellationToken);
            _inFlight.Enqueue((batch, entries, done));
            EventsSent += batch.Events;
        }
    }

    /// <summary>The delivery of the oldest live batch in flight; null when none is.</summary>
    public Task<DeliveryResult>? OldestDone => _inFlight.TryPeek(out var head) ? head.Done : null;

    /// <summary>Takes the oldest batch off the lane once the upstream has made it durable.</summary>
    public ForwardBatch CompleteOldest()
    {
        var (batch, entries, _) = _inFlight.Dequeue();
        _deliveredEntries.UnionWith(entries);
        batch.Release();
        return batch;
    }

    /// <summary>The lane's session failed: it reads no more, and what it had in flight falls to the backlog lane.</summary>
    public async Task AbandonAsync()
    {
        Reading = false;
        while (_inFlight.TryPeek(out var head) && head.Done.IsCompletedSuccessfully)
        {
            CompleteOldest();
        }

        _inFlight.Clear();
        if (Session is { } session)
        {
            Session = null;
            await session.DisposeAsync();
        }
    }

    public ValueTask<bool> WaitForEntriesAsync(CancellationToken cancellationToken) => _reader.WaitAsync(cancellationToken);

    public void Dispose()
    {
        _reader.Dispose();
        if (Session is { } session)
        {
            _ = session.DisposeAsync().AsTask();
        }
    }

    private bool IsLive(LogRecord record, long backlogDelivered)
    {
        if (!LogEntryFormat.TryReadHeader(record.Bytes.Span, out var sourceUtf8, out _, out _, out _))
        {
            // Unreadable here: leave it to the backlog lane, which skips and reports it in order.
            return false;
        }

        var source = System.Text.Encoding.UTF8.GetString(sourceUtf8);
        if (!_sourceIsLive.TryGetValue(source, out var live))
        {
            live = HasNothingBefore(source, backlogDelivered);
            _sourceIsLive[source] = live;
        }

        return live;
    }

    /// <summary>True when every entry the source had before the boundary is delivered already.</summary>
    private bool HasNothingBefore(string source, long backlogDelivered)
    {
        if (!_lastBeforeBoundary.TryGetValue(source, out var last))
        {
            return true; // first seen after the boundary
        }

        if (last >= _boundary)
        {
            return false; // appended after the boundary too: where its last older entry lies is unknown
        }

        // -1: nothing appended this run; its entries, if any, lie before the log's end at start.
        var lastBefore = last < 0 ? _openedAt - 1 : last;
        return lastBefore < backlogDelivered;
    }
}
