using Microsoft.Extensions.Logging;

namespace Collector.Storage.Log;

/// <summary>
/// The recovery step before FasterLog opens: picks the commit record FASTER may recover from. FASTER 2.6.5 takes the
/// newest record whose XOR checksum holds, trusts its addresses as they are, and with no such record silently starts
/// an empty log over the old one. Here every record (the newest two are kept, see RetainingCommitManager) is checked
/// against the segment files (CommitRecordCheck), newest first:
/// - the newest checks out: recover from it, as FASTER would;
/// - it does not, an older one does: the damaged ones are moved to commits/damaged/, and the log is recovered from
///   the older record with its end moved forward over every entry that follows it and passes its checksum (the
///   entries the damaged record covered were acknowledged);
/// - none does: <see cref="DamagedLogException"/>, naming the newest file. Never a start on a record that points
///   past the data.
/// </summary>
internal static class CommitRecovery
{
    public const string DamagedDirectoryName = "damaged";

    /// <summary>The record to recover from (null for a log without any record) and its metadata as FASTER reads it.</summary>
    public static CommitRecord? Choose(string commitDirectory, LogSegmentFiles segments, int pageBits, ILogger logger)
    {
        var files = ListRecords(commitDirectory);
        var rejected = new List<(string Path, string Problem)>();
        foreach (var (number, path) in files)
        {
            var record = CommitRecord.TryParse(number, File.ReadAllBytes(path), out var problem);
            problem = record is null ? problem : CommitRecordCheck.Problem(record, segments, pageBits) ?? string.Empty;
            if (record is null || problem.Length > 0)
            {
                rejected.Add((path, problem));
                StorageLog.CommitRecordRejected(logger, path, problem);
                continue;
            }

            if (rejected.Count == 0)
            {
                return record;
            }

            var end = segments.ScanForward(record.UntilAddress);
            MoveAside(commitDirectory, rejected.Select(r => r.Path));
            StorageLog.RecoveredFromOlderRecord(logger, path, record.UntilAddress, end, Path.Combine(commitDirectory, DamagedDirectoryName));
            return record with { UntilAddress = end };
        }

        if (rejected.Count == 0)
        {
            return null;
        }

        var (newest, why) = rejected[0];
        throw new DamagedLogException(
            $"the log's commit record {newest} is damaged ({why}), and no older record checks out against the segment files "
            + $"({rejected.Count} tried). The collector will not guess where the log ends. To recover: restore the data directory "
            + $"from a backup; or, to start an empty log, move the data directory aside (its events not yet stored or forwarded are then lost).",
            newest);
    }

    /// <summary>commit.N.0 files, newest first.</summary>
    private static List<(long Number, string Path)> ListRecords(string commitDirectory)
    {
        var directory = Path.Combine(commitDirectory, "log-commits");
        if (!Directory.Exists(directory))
        {
            return [];
        }

        return Directory.EnumerateFiles(directory)
            .Select(path => (Number: CommitRecord.NumberOf(Path.GetFileName(path)), Path: path))
            .Where(file => file.Number is not null)
            .Select(file => (file.Number!.Value, file.Path))
            .OrderByDescending(file => file.Value)
            .ToList();
    }

    /// <summary>Out of FASTER's way (its next commit may reuse the number), but kept for whoever looks into it.</summary>
    private static void MoveAside(string commitDirectory, IEnumerable<string> paths)
    {
        var damaged = Path.Combine(commitDirectory, DamagedDirectoryName);
        Directory.CreateDirectory(damaged);
        foreach (var path in paths)
        {
            var target = Path.Combine(damaged, $"{Path.GetFileName(path)}.{DateTime.UtcNow:yyyyMMddTHHmmssfff}");
            File.Move(path, target, overwrite: true);
        }
    }
}
