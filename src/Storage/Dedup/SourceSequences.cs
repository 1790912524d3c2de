using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Collector.Storage.Log;
using Microsoft.Extensions.Logging;

namespace Collector.Storage.Dedup;

/// <summary>
/// The per-source dedup state of the whole collector. Recovered at start from the checkpoint plus the log
/// entries committed after it, so a restart remembers every sequence it stored or rejected.
/// </summary>
public sealed class SourceSequences
{
    private readonly ConcurrentDictionary<string, SourceState> _sources = new(StringComparer.Ordinal);

    public int Count => _sources.Count;

    public SourceState Get(string sourceId) =>
        _sources.TryGetValue(sourceId, out var state) ? state : _sources.GetOrAdd(sourceId, static id => new SourceState(id));

    public bool TryGet(string sourceId, out SourceState? state) => _sources.TryGetValue(sourceId, out state);

    /// <summary>
    /// Each known source's last appended log address since start (-1: none since start; after a reopen, at or after
    /// its last entry that survived). A read without the gates:
    /// a value may already be newer than the moment of the call, never older.
    /// </summary>
    public Dictionary<string, long> SnapshotLastAddresses() =>
        _sources.ToDictionary(pair => pair.Key, pair => pair.Value.LastAddress, StringComparer.Ordinal);

    /// <summary>
    /// The watermark of every source as of <paramref name="committedUntil"/> (read from the log before this call):
    /// every entry below it is reflected, so recovery may start scanning there.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, ulong>> SnapshotDurable(long committedUntil)
    {
        var snapshot = new List<KeyValuePair<string, ulong>>(_sources.Count);
        foreach (var (sourceId, state) in _sources)
        {
            state.ObserveCommitted(committedUntil);
            if (state.DurableThrough > 0)
            {
                snapshot.Add(new(sourceId, state.DurableThrough));
            }
        }

        return snapshot;
    }

    /// <summary>Forgets what was appended past <paramref name="committedUntil"/>: the log was reopened from its last commit.</summary>
    public void DiscardUncommitted(long committedUntil)
    {
        foreach (var state in _sources.Values)
        {
            state.DiscardUncommitted(committedUntil);
        }
    }

    /// <summary>Loads the checkpoint and replays the log entries committed after it; then follows the log's reopens.</summary>
    public static async Task<SourceSequences> RecoverAsync(DurableLog log, DedupCheckpoint checkpoint, ILogger logger, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var sequences = new SourceSequences();
        var (checkpointAddress, watermarks) = checkpoint.Load(logger);
        if (checkpointAddress > log.CommittedUntilAddress)
        {
            // The checkpoint describes a log that is not there (deleted or replaced): trust the log alone.
            StorageLog.CheckpointAheadOfLog(logger, checkpoint.Path, checkpointAddress, log.CommittedUntilAddress);
            (checkpointAddress, watermarks) = (0, []);
        }

        foreach (var (sourceId, handled) in watermarks)
        {
            sequences.Raise(sourceId, handled);
        }

        long entries = 0;
        await foreach (var record in log.ReadCommittedAsync(checkpointAddress, cancellationToken))
        {
            entries++;
            if (LogEntryFormat.TryReadWatermark(record.Bytes.Span, out var sourceId, out var handled, out var version))
            {
                if (handled > 0)
                {
                    sequences.Raise(Encoding.UTF8.GetString(sourceId), handled);
                }
            }
            else if (version != LogEntryFormat.Version1)
            {
                StorageLog.UnknownEntryVersion(logger, record.Address, version);
            }
        }

        StorageLog.DedupRecovered(logger, sequences.Count, checkpointAddress, entries, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        log.OnReopened(sequences.DiscardUncommitted);
        return sequences;
    }

    private void Raise(string sourceId, ulong handled) => Get(sourceId).Recover(handled);
}
