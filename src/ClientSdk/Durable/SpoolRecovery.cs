using Microsoft.Extensions.Logging;

namespace Collector.ClientSdk.Durable;

/// <summary>
/// Reads a spool directory at start: checks every record of every segment, cuts a torn or damaged tail (counted and
/// logged, never sent), finds how far the collector had acknowledged, and deletes the segments wholly before that.
/// </summary>
internal static class SpoolRecovery
{
    /// <param name="Segments">The segments kept, oldest first, each with its figures.</param>
    /// <param name="Acknowledged">The newest Acknowledged record's position (the default when none).</param>
    /// <param name="LastBatchEnd">Where the newest batch record ends.</param>
    /// <param name="ReadFrom">The first record not yet acknowledged: where the sender starts.</param>
    /// <param name="MaxSequence">The highest sequence in any batch (0 when none): the next client numbers above it.</param>
    /// <param name="PendingEvents">Events after <paramref name="Acknowledged"/>: what will be resent.</param>
    /// <param name="CutBytes">Bytes of torn or damaged records cut.</param>
    public sealed record Result(
        List<SpoolSegment> Segments,
        SpoolPosition Acknowledged,
        SpoolPosition LastBatchEnd,
        SpoolPosition ReadFrom,
        ulong MaxSequence,
        long PendingEvents,
        long CutBytes);

    public static Result Recover(string directory, ILogger logger)
    {
        var scratch = new byte[64 * 1024];
        var kept = new List<SpoolSegment>();
        SpoolPosition acknowledged = default, lastBatchEnd = default;
        ulong maxSequence = 0;
        long cut = 0;
        foreach (var segment in SpoolSegment.List(directory))
        {
            segment.End = new FileInfo(segment.Path).Length;
            if (!segment.HasFileHeader())
            {
                // Created but never given its header (a kill right after creating it), or not ours: nothing to read.
                cut += segment.End;
                DurableSpoolLog.RecordsCut(logger, segment.Path, SpoolRecordStatus.Damaged, 0, segment.End);
                segment.Delete();
                continue;
            }

            var offset = (long)SpoolSegment.FileHeaderBytes;
            while (offset < segment.End)
            {
                var status = segment.Read(offset, ref scratch, out var kind, out var length);
                if (status != SpoolRecordStatus.Valid)
                {
                    cut += segment.End - offset;
                    DurableSpoolLog.RecordsCut(logger, segment.Path, status, offset, segment.End - offset);
                    segment.Truncate(offset);
                    break;
                }

                offset += length;
                if (kind == SpoolRecordKind.Acknowledged)
                {
                    acknowledged = SpoolPosition.Max(acknowledged, SpoolRecord.AcknowledgedThrough(scratch));
                    continue;
                }

                var count = SpoolRecord.BatchCount(scratch);
                segment.LastBatchEnd = offset;
                segment.UnsentEvents += count;
                lastBatchEnd = new SpoolPosition(segment.Number, offset);
                maxSequence = Math.Max(maxSequence, SpoolRecord.BatchFirstSequence(scratch) + (ulong)count - 1);
            }

            segment.CloseReader();
            kept.Add(segment);
        }

        // Acks come in spool order: every segment before the acknowledged one is wholly acknowledged.
        while (kept.Count > 0 && kept[0].Number < acknowledged.Segment)
        {
            kept[0].Delete();
            kept.RemoveAt(0);
        }

        var readFrom = kept.Count == 0 ? default : kept[0].Start;
        if (kept.Count > 0 && kept[0].Number == acknowledged.Segment)
        {
            readFrom = acknowledged;
            kept[0].UnsentEvents = EventsFrom(kept[0], acknowledged.Offset, ref scratch);
        }

        return new Result(kept, acknowledged, lastBatchEnd, readFrom, maxSequence, kept.Sum(s => s.UnsentEvents), cut);
    }

    /// <summary>Events in the (already checked) batch records of <paramref name="segment"/> from <paramref name="offset"/> on.</summary>
    private static long EventsFrom(SpoolSegment segment, long offset, ref byte[] scratch)
    {
        long events = 0;
        while (offset < segment.End && segment.Read(offset, ref scratch, out var kind, out var length) == SpoolRecordStatus.Valid)
        {
            offset += length;
            events += kind == SpoolRecordKind.Batch ? SpoolRecord.BatchCount(scratch) : 0;
        }

        segment.CloseReader();
        return events;
    }
}
