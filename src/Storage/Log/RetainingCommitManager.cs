using System.Buffers.Binary;
using FASTER.core;

namespace Collector.Storage.Log;

/// <summary>
/// The log's commit record store: two slots in one preallocated file (<see cref="CommitRecordSlots"/>), so the newest
/// two records are always kept and a damaged newest one has an older one to fall back to; and, while FasterLog
/// recovers, showing it only the record CommitRecovery chose (with its end as CommitRecovery found it), so FASTER cannot
/// pick another one.
/// <para>
/// A record is written on the thread FASTER commits on, one O_SYNC write over its slot: when it returns the record is on
/// the disk (FASTER's own store handed the write to the thread pool and spin-waited for it, a file per commit, and the
/// collector read it back: 17 system calls and two pool hand-offs per commit; this is one). A write that fails (an I/O
/// error, or no room to make the slot file) is not a commit: <see cref="WriteFailed"/> is told (a slot it left torn
/// fails its CRC at recovery, and the other slot holds the record before it), and the commit throws, so FasterLog leaves its committed end where it was (its commit worker swallows the
/// exception) and the log's generation fails and reopens.
/// </para>
/// <para>
/// Records of an older collector (a file per record, <c>commit.N.0</c>) are read at recovery like slots and deleted once
/// both slots hold newer records.
/// </para>
/// <para>
/// The cursors of the newest record written (or of the record recovered from) are kept: they are the positions a
/// restart after kill -9 resumes from, which the forwarder bounds its resends by.
/// </para>
/// </summary>
internal sealed class RetainingCommitManager : ILogCommitManager
{
    private readonly CommitRecord? _recoverFrom;
    private readonly string _recordDirectory;
    private readonly CommitRecordSlots _slots;
    private readonly List<long> _olderRecordFiles;
    private volatile IReadOnlyDictionary<string, long> _persistedCursors;

    public RetainingCommitManager(string commitDirectory, CommitRecord? recoverFrom)
    {
        _recordDirectory = Path.Combine(commitDirectory, "log-commits");
        Directory.CreateDirectory(_recordDirectory);
        _slots = new CommitRecordSlots(_recordDirectory);
        _recoverFrom = recoverFrom;
        _persistedCursors = recoverFrom?.Cursors ?? new Dictionary<string, long>(StringComparer.Ordinal);
        _olderRecordFiles = Directory.EnumerateFiles(_recordDirectory).Select(path => CommitRecord.NumberOf(Path.GetFileName(path))).OfType<long>().ToList();
    }

    /// <summary>Told (on FASTER's commit thread) when a record did not reach the disk whole; its commit is not taken.</summary>
    public Action<IOException>? WriteFailed { get; set; }

    /// <summary>The cursor positions in the newest record written to disk (at first, the record recovered from).</summary>
    public IReadOnlyDictionary<string, long> PersistedCursors => _persistedCursors;

    public void Commit(long beginAddress, long untilAddress, byte[] commitMetadata, long commitNum, bool forceWriteMetadata)
    {
        var record = new byte[sizeof(int) + commitMetadata.Length];
        BinaryPrimitives.WriteInt32LittleEndian(record, commitMetadata.Length);
        commitMetadata.CopyTo(record, sizeof(int));
        var written = CommitRecord.TryParse(commitNum, record, out var problem);
        try
        {
            if (written is not null)
            {
                _slots.Write(commitNum, record);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            problem = ex.Message;
            written = null;
        }

        if (written is null)
        {
            var failure = new IOException($"commit record {commitNum} in {Path.Combine(_recordDirectory, CommitRecordSlots.FileName)} did not reach the disk whole ({problem}); its commit is not taken");
            WriteFailed?.Invoke(failure);
            throw failure;
        }

        _persistedCursors = written.Cursors;
        if (_olderRecordFiles.Count > 0)
        {
            // Both slots hold records newer than these once the second is written.
            foreach (var older in _olderRecordFiles.Where(n => n < commitNum - 1).ToList())
            {
                TryDelete(RecordFilePath(older));
                _olderRecordFiles.Remove(older);
            }
        }
    }

    public byte[] GetCommitMetadata(long commitNum) =>
        _recoverFrom is { } chosen && chosen.Number == commitNum
            ? chosen.ToMetadata()
            : throw new InvalidOperationException($"FASTER asked for commit record {commitNum}, not the one recovery chose");

    public IEnumerable<long> ListCommits() => _recoverFrom is { } chosen ? [chosen.Number] : [];

    public void RemoveCommit(long commitNum)
    {
        // Slots are overwritten in turn; nothing to remove.
    }

    public void RemoveAllCommits()
    {
        // Never asked for: RemoveOutdatedCommits is off, and recovery moves damaged records aside itself.
    }

    public void OnRecovery(long commitNum)
    {
        // Records are replaced as new ones are written (the newest two kept), not at recovery.
    }

    public void Dispose() => _slots.Dispose();

    private string RecordFilePath(long commitNum) => Path.Combine(_recordDirectory, $"commit.{commitNum}.0");

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Left behind, it is older than both slots, so recovery passes it over.
        }
    }
}
