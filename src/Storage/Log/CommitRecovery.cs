using Microsoft.Extensions.Logging;

namespace Collector.Storage.Log;

/// <summary>
/// The recovery step before FasterLog opens: picks the commit record FASTER may recover from. FASTER 2.6.5 takes the
/// newest record whose XOR checksum holds, trusts its addresses as they are, and with no such record silently starts
/// an empty log over the old one. Here every record (the newest two are kept, see RetainingCommitManager) is checked
/// against the segment files (CommitRecordCheck), newest first:
/// - the newest checks out and the one before it is there: recover from it, as FASTER would;
/// - it checks out but the record before it is missing, or it does not check out and an older one does: the
///   damaged ones are moved to commits/damaged/, and the log is recovered from the record that checks out with its
///   end moved forward over the entries that follow it and pass their checksums (what a damaged or missing newer
///   record covered was acknowledged); a newer record that is only
///   unfinished (killed while written) moves nothing: its commit never completed;
/// - the only record is the first one, unfinished: no commit ever completed; the log starts empty;
/// - none does, or there is none while the segment files hold entries: <see cref="DamagedLogException"/>, naming
///   the newest file and the way out. Never a start on a record that points past the data, never an empty log over
///   entries. With --repair instead: the newest record whose begin reads (or, when the segment files that held its
///   begin are gone, that begins at the lowest file's first entry), its end moved to the last intact entry (what it
///   covered past that is given up and counted; a missing segment file inside it is stepped over), or with no record
///   at all the lowest segment's first entry.
/// </summary>
internal static class CommitRecovery
{
    public const string DamagedDirectoryName = "damaged";

    /// <summary>
    /// The record to recover from (null for a new log: no record and no entries) and its metadata as FASTER reads it.
    /// With <paramref name="repair"/>, a log whose records do not check out (or that has none) is recovered instead
    /// of refused; <paramref name="givenUpBytes"/> is what the chosen record covered past the first damage. A reopen
    /// in the same run (not <paramref name="atStart"/>) trusts a lone newest record: the one missing is a record this
    /// process deleted because it did not reach the disk whole, so nothing past it was acknowledged.
    /// </summary>
    public static CommitRecord? Choose(string commitDirectory, LogSegmentFiles segments, int pageBits, ILogger logger, bool repair, bool atStart, out long givenUpBytes)
    {
        givenUpBytes = 0;
        var files = ListRecords(commitDirectory);
        var rejected = new List<(StoredRecord Stored, string Problem, CommitRecord? Record)>();
        var unfinishedOnly = true;
        foreach (var stored in files)
        {
            var (number, path) = (stored.Number, stored.Name);
            var problem = stored.Damage ?? string.Empty;
            var record = stored.Damage is null ? CommitRecord.TryParse(number, stored.Bytes, out problem) : null;
            problem = stored.Damage ?? (record is null ? problem : CommitRecordCheck.Problem(record, segments, pageBits) ?? string.Empty);
            if (record is null || problem.Length > 0)
            {
                rejected.Add((stored, problem, record));
                unfinishedOnly &= stored.Unfinished;
                StorageLog.CommitRecordRejected(logger, path, problem);
                continue;
            }

            // Past this record's end, entries are kept only where a newer record may have covered them, as the
            // acknowledged entries they are: a damaged newer record (its own end is not to be trusted), or a missing one (a
            // lone record, a gap in the numbers). A newer record that is only unfinished (a kill while FASTER wrote
            // it) never completed its commit, so nothing past this one was acknowledged: nothing is scanned, for
            // the uncommitted tail may have holes (pages flushed out of order), and entries read across a hole
            // would make the dedup state skip the events in it.
            var scan = (rejected.Count > 0 && !unfinishedOnly) || (atStart && HasGapBefore(files, number));
            var end = scan ? segments.ScanForward(record.UntilAddress) : record.UntilAddress;
            if (rejected.Count == 0 && end == record.UntilAddress)
            {
                return record;
            }

            // A rejected record that claims a plausible end past what is there now may be right: the files lost data.
            var claimed = rejected.Select(r => r.Record?.UntilAddress ?? 0).Where(segments.IsPlausibleAddress).DefaultIfEmpty(end).Max();
            givenUpBytes = Math.Max(0, claimed - end);
            MoveAside(commitDirectory, rejected.Select(r => r.Stored));
            StorageLog.RecoveredFromOlderRecord(logger, path, record.UntilAddress, end, Path.Combine(commitDirectory, DamagedDirectoryName), givenUpBytes);
            return record with { UntilAddress = end };
        }

        var first = segments.LowestEntryAddress();
        if (rejected.Count == 0 && first is null)
        {
            return null;
        }

        if (rejected is [{ Record: null }] && ((files is [{ Number: 1 }] && unfinishedOnly) || (files is [{ Slot: 1 }] && first is null)))
        {
            // Killed while writing the log's very first record: no commit ever completed, so nothing was
            // acknowledged. A crash, not damage: the log starts empty, as after any kill before a commit. So does a
            // first record torn in its slot (a power loss while it was written) while no entry was ever stored.
            MoveAside(commitDirectory, rejected.Select(r => r.Stored));
            StorageLog.FirstRecordUnfinished(logger, rejected[0].Stored.Name);
            return null;
        }

        if (!repair)
        {
            throw Refusal(commitDirectory, rejected.Select(r => (r.Stored.Name, r.Problem)).ToList(), first);
        }

        return Repair(commitDirectory, segments, rejected.Select(r => (r.Stored, r.Record)).ToList(), first, logger, out givenUpBytes);
    }

    /// <summary>A record file FASTER did not finish writing: empty, or shorter than its own length prefix says.</summary>
    private static bool IsUnfinished(byte[] bytes) => bytes.Length < 8 || BitConverter.ToInt32(bytes, 0) + 4 > bytes.Length;

    /// <summary>
    /// Whether the record before <paramref name="number"/> should be there and is not: the newest two are kept, so a
    /// lone record, or a gap in the numbers, means a newer record went missing (or an older one, which costs nothing).
    /// </summary>
    private static bool HasGapBefore(List<StoredRecord> files, long number) =>
        files.Count > 0 && number == files[0].Number && number > 1 && (files.Count == 1 || files[1].Number != number - 1);

    private static DamagedLogException Refusal(string commitDirectory, List<(string Path, string Problem)> rejected, long? first)
    {
        const string WayOut = "To recover: restore the data directory from a backup; or start once with --repair, which recovers every intact entry "
            + "up to the first damage and gives up what lies past it (counted in collector_log_bytes_skipped_total); or move the data directory "
            + "aside to start an empty log (its events not yet stored or forwarded are then lost).";
        if (rejected.Count == 0)
        {
            return new DamagedLogException(
                $"the log has no commit record in {commitDirectory}, but its segment files hold entries from address {first}. The collector will not "
                + $"start an empty log over them. {WayOut} After --repair here, the consumers start over from the first entry: ClickHouse stores "
                + "again what it already had, an upstream collector drops it as duplicates.",
                commitDirectory);
        }

        var (newest, why) = rejected[0];
        return new DamagedLogException(
            $"the log's commit record {newest} is damaged ({why}), and no older record checks out against the segment files "
            + $"({rejected.Count} tried). The collector will not guess where the log ends. {WayOut}",
            newest);
    }

    /// <summary>--repair: the newest record whose begin still reads, its end moved to the last intact entry, its cursors kept within it.</summary>
    private static CommitRecord Repair(string commitDirectory, LogSegmentFiles segments, List<(StoredRecord Stored, CommitRecord? Record)> rejected, long? first, ILogger logger, out long givenUpBytes)
    {
        foreach (var (stored, record) in rejected)
        {
            if (record is null || record.BeginAddress < CommitRecordCheck.FirstAddress || BeginThatReads(record, segments, first) is not { } readableBegin)
            {
                continue;
            }

            var end = ScanCommittedOverMissingSegments(segments, readableBegin, record.UntilAddress);

            // Given up: what the record covered past the damage, and what the slowest consumer had yet to read before
            // a begin that had to move up (every byte of it when there is no consumer: the log was the only copy).
            var slowest = record.Cursors.Count == 0 ? record.BeginAddress : record.Cursors.Values.Min();
            givenUpBytes = Math.Max(0, record.UntilAddress - end) + Math.Max(0, readableBegin - Math.Max(slowest, record.BeginAddress));
            var cursors = record.Cursors.ToDictionary(c => c.Key, c => Math.Clamp(c.Value, readableBegin, end), StringComparer.Ordinal);
            MoveAside(commitDirectory, rejected.Select(r => r.Stored));
            StorageLog.LogRepaired(logger, stored.Name, readableBegin, end, givenUpBytes);
            return record with { BeginAddress = readableBegin, UntilAddress = end, Cursors = cursors };
        }

        // No record to start from: the log begins at the lowest segment's first entry, every consumer with it.
        var begin = first ?? throw Refusal(commitDirectory, rejected.Select(r => (r.Stored.Name, "no record is readable")).ToList(), first);
        var recovered = segments.ScanForward(begin);
        givenUpBytes = 0;
        MoveAside(commitDirectory, rejected.Select(r => r.Stored));
        StorageLog.LogRepaired(logger, "the segment files (no commit record)", begin, recovered, 0);
        return new CommitRecord(1, begin, recovered, new Dictionary<string, long>(StringComparer.Ordinal), null);
    }

    /// <summary>
    /// The record's begin if an entry reads there; if the segment file that held it is gone, the first entry of the lowest
    /// segment file left (the log resumes after the loss); else null.
    /// </summary>
    private static long? BeginThatReads(CommitRecord record, LogSegmentFiles segments, long? lowestEntry)
    {
        if (segments.TryReadEntry(record.BeginAddress, out _) is not null)
        {
            return record.BeginAddress;
        }

        return segments.MissingSegmentProblem(record.BeginAddress) is not null && lowestEntry is { } lowest && lowest > record.BeginAddress && lowest < record.UntilAddress
            ? lowest
            : null;
    }

    /// <summary>
    /// From <paramref name="from"/> past every readable entry, going on at the next segment where a whole segment file is
    /// missing before <paramref name="until"/> (inside the committed range only: readers step over it the same way, counted).
    /// </summary>
    private static long ScanCommittedOverMissingSegments(LogSegmentFiles segments, long from, long until)
    {
        var end = segments.ScanForward(from);
        while (end < until && segments.MissingSegmentProblem(end) is not null && segments.SegmentEnd(end) < until
            && segments.TryReadEntry(segments.SegmentEnd(end), out _) is not null)
        {
            end = segments.ScanForward(segments.SegmentEnd(end));
        }

        return end;
    }

    /// <summary>
    /// A stored commit record: from a slot of the slot file, or a file of an older collector (<c>commit.N.0</c>).
    /// <paramref name="Damage"/> says why a slot's bytes are not a record (its CRC fails); <paramref name="Unfinished"/>
    /// marks a record file FASTER did not finish writing (a kill while it wrote; a slot is written in one go).
    /// </summary>
    private sealed record StoredRecord(long Number, byte[] Bytes, string Name, int? Slot, bool Unfinished, string? Damage);

    /// <summary>The stored records, newest first; a slot that fails its CRC counts as the newest (it may be).</summary>
    private static List<StoredRecord> ListRecords(string commitDirectory)
    {
        var directory = Path.Combine(commitDirectory, "log-commits");
        if (!Directory.Exists(directory))
        {
            return [];
        }

        var slotFile = Path.Combine(directory, CommitRecordSlots.FileName);
        var slots = CommitRecordSlots.Read(directory).Select(slot => slot.Whole
            ? new StoredRecord(CommitRecord.NumberIn(slot.Bytes) ?? 0, slot.Bytes, $"{slotFile} slot {slot.Slot}", slot.Slot, false, null)
            : new StoredRecord(long.MaxValue, slot.Bytes, $"{slotFile} slot {slot.Slot}", slot.Slot, false, "its CRC-32 does not match: torn or damaged"));
        var files = Directory.EnumerateFiles(directory)
            .Select(path => (Number: CommitRecord.NumberOf(Path.GetFileName(path)), Path: path))
            .Where(file => file.Number is not null)
            .Select(file => File.ReadAllBytes(file.Path) is var bytes
                ? new StoredRecord(file.Number!.Value, bytes, file.Path, null, IsUnfinished(bytes), null)
                : null!);
        return slots.Concat(files).OrderByDescending(record => record.Number).ToList();
    }

    /// <summary>Out of the way of the next commits (a file's number may be reused, a slot rewritten), but kept for whoever looks into it.</summary>
    private static void MoveAside(string commitDirectory, IEnumerable<StoredRecord> records)
    {
        var damaged = Path.Combine(commitDirectory, DamagedDirectoryName);
        Directory.CreateDirectory(damaged);
        var stamp = DateTime.UtcNow.ToString("yyyyMMddTHHmmssfff", System.Globalization.CultureInfo.InvariantCulture);
        foreach (var record in records)
        {
            if (record.Slot is { } slot)
            {
                File.WriteAllBytes(Path.Combine(damaged, $"{CommitRecordSlots.FileName}.slot{slot}.{stamp}"), record.Bytes);
                CommitRecordSlots.Clear(Path.Combine(commitDirectory, "log-commits"), slot);
            }
            else
            {
                File.Move(record.Name, Path.Combine(damaged, $"{Path.GetFileName(record.Name)}.{stamp}"), overwrite: true);
            }
        }
    }
}
