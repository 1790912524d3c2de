using System.Buffers.Binary;
using FASTER.core;

namespace Collector.Storage.Log;

/// <summary>
/// The log's commit record store (commits/log-commits/commit.N.0, in the format FASTER's own store writes, see
/// <see cref="CommitRecord"/>), keeping the newest two records instead of one, so a damaged newest record has an older
/// one to fall back to; and, while FasterLog recovers, showing it only the record CommitRecovery chose (with its end as
/// CommitRecovery found it), so FASTER cannot pick another one.
/// <para>
/// A record is written whole by the thread FASTER commits on, into a new file opened O_SYNC: when the write returns, the
/// record, the file's size and (on ext4 and xfs, whose journal commits the file's creation with it) its directory
/// entry are on the disk. FASTER's own store handed the write to the thread pool and spin-waited for it, then the
/// collector read it back from a reopened file: 17 system calls and two pool hand-offs per commit, where this takes
/// five (open, write, close, and unlink of the record two back). A write that fails (a full disk above all) is not a
/// commit: the file is deleted, older ones are kept, <see cref="WriteFailed"/> is told, and the commit throws, so
/// FasterLog leaves its committed end where it was (its commit worker swallows the exception) and the log's generation
/// fails and reopens.
/// </para>
/// <para>
/// The cursors of the newest record written (or of the record recovered from) are kept: they are the positions a
/// restart after kill -9 resumes from, which the forwarder bounds its resends by.
/// </para>
/// </summary>
internal sealed class RetainingCommitManager : ILogCommitManager
{
    private const int Kept = 2;

    private readonly CommitRecord? _recoverFrom;
    private readonly SortedSet<long> _numbers;
    private readonly string _recordDirectory;
    private volatile IReadOnlyDictionary<string, long> _persistedCursors;

    public RetainingCommitManager(string commitDirectory, CommitRecord? recoverFrom)
    {
        _recordDirectory = Path.Combine(commitDirectory, "log-commits");
        Directory.CreateDirectory(_recordDirectory);
        _recoverFrom = recoverFrom;
        _persistedCursors = recoverFrom?.Cursors ?? new Dictionary<string, long>(StringComparer.Ordinal);
        _numbers = new SortedSet<long>(ListRecordNumbers());
    }

    /// <summary>Told (on FASTER's commit thread) when a record did not reach the disk whole; its commit is not taken.</summary>
    public Action<IOException>? WriteFailed { get; set; }

    /// <summary>The cursor positions in the newest record written to disk (at first, the record recovered from).</summary>
    public IReadOnlyDictionary<string, long> PersistedCursors => _persistedCursors;

    public void Commit(long beginAddress, long untilAddress, byte[] commitMetadata, long commitNum, bool forceWriteMetadata)
    {
        var path = RecordPath(commitNum);
        var file = new byte[sizeof(int) + commitMetadata.Length];
        BinaryPrimitives.WriteInt32LittleEndian(file, commitMetadata.Length);
        commitMetadata.CopyTo(file, sizeof(int));
        var written = CommitRecord.TryParse(commitNum, file, out var problem);
        try
        {
            if (written is not null)
            {
                using var handle = File.OpenHandle(path, FileMode.Create, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, FileOptions.WriteThrough);
                RandomAccess.Write(handle, file, 0);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            problem = ex.Message;
            written = null;
        }

        if (written is null)
        {
            var failure = new IOException($"commit record {path} did not reach the disk whole ({problem}); its commit is not taken");
            TryDelete(path);
            WriteFailed?.Invoke(failure);
            throw failure;
        }

        _persistedCursors = written.Cursors;
        lock (_numbers)
        {
            _numbers.Add(commitNum);
            while (_numbers.Count > Kept)
            {
                var oldest = _numbers.Min;
                _numbers.Remove(oldest);
                TryDelete(RecordPath(oldest));
            }
        }
    }

    public byte[] GetCommitMetadata(long commitNum) =>
        _recoverFrom is { } chosen && chosen.Number == commitNum ? chosen.ToMetadata() : File.ReadAllBytes(RecordPath(commitNum))[sizeof(int)..];

    public IEnumerable<long> ListCommits() => _recoverFrom is { } chosen ? [chosen.Number] : [];

    public void RemoveCommit(long commitNum)
    {
        lock (_numbers)
        {
            _numbers.Remove(commitNum);
        }

        TryDelete(RecordPath(commitNum));
    }

    public void RemoveAllCommits()
    {
        foreach (var number in ListRecordNumbers())
        {
            RemoveCommit(number);
        }
    }

    public void OnRecovery(long commitNum)
    {
        // Records are pruned as new ones are written (the newest two kept), not at recovery.
    }

    public void Dispose()
    {
        // Nothing stays open between commits.
    }

    private string RecordPath(long commitNum) => Path.Combine(_recordDirectory, $"commit.{commitNum}.0");

    private IEnumerable<long> ListRecordNumbers() =>
        Directory.EnumerateFiles(_recordDirectory).Select(path => CommitRecord.NumberOf(Path.GetFileName(path))).OfType<long>();

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Left behind, it is recognised as damaged at the next recovery and moved aside.
        }
    }
}
