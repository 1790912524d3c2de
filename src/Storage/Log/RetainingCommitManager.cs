using FASTER.core;

namespace Collector.Storage.Log;

/// <summary>
/// FASTER's own commit record store (commits/log-commits/commit.N.0), keeping the newest two records instead of one,
/// so a damaged newest record has an older one to fall back to; and, while FasterLog recovers, showing it only the
/// record CommitRecovery chose (with its end as CommitRecovery found it), so FASTER cannot pick another one.
/// <para>
/// Every record is read back once written. FASTER's store only logs a failed write (a full disk leaves an empty file)
/// and FasterLog then takes the commit as done and acknowledges what it covers; two such records in a row would also
/// have pruned the last good one, leaving a log nothing can recover. So a record that is not there whole is deleted,
/// older ones are kept, <see cref="WriteFailed"/> is told, and the commit throws: FasterLog leaves its committed end
/// where it was (its commit worker swallows the exception), and the log's generation fails and reopens.
/// </para>
/// <para>
/// The cursors of the newest record read back whole (or of the record recovered from) are kept: they are the positions
/// a restart after kill -9 resumes from, which the forwarder bounds its resends by.
/// </para>
/// </summary>
internal sealed class RetainingCommitManager : ILogCommitManager
{
    private const int Kept = 2;

    private readonly DeviceLogCommitCheckpointManager _records;
    private readonly CommitRecord? _recoverFrom;
    private readonly SortedSet<long> _numbers;
    private readonly string _recordDirectory;
    private volatile IReadOnlyDictionary<string, long> _persistedCursors;

    public RetainingCommitManager(string commitDirectory, CommitRecord? recoverFrom)
    {
        _records = new DeviceLogCommitCheckpointManager(new LocalStorageNamedDeviceFactory(), new DefaultCheckpointNamingScheme(commitDirectory), removeOutdated: false);
        _recoverFrom = recoverFrom;
        _persistedCursors = recoverFrom?.Cursors ?? new Dictionary<string, long>(StringComparer.Ordinal);
        _numbers = new SortedSet<long>(_records.ListCommits());
        _recordDirectory = Path.Combine(commitDirectory, "log-commits");
    }

    /// <summary>Told (on FASTER's commit thread) when a record did not reach the disk whole; its commit is not taken.</summary>
    public Action<IOException>? WriteFailed { get; set; }

    /// <summary>The cursor positions in the newest record on disk, read back whole (at first, the record recovered from).</summary>
    public IReadOnlyDictionary<string, long> PersistedCursors => _persistedCursors;

    public void Commit(long beginAddress, long untilAddress, byte[] commitMetadata, long commitNum, bool forceWriteMetadata)
    {
        string? problem;
        CommitRecord? written = null;
        try
        {
            _records.Commit(beginAddress, untilAddress, commitMetadata, commitNum, forceWriteMetadata);
            written = ReadBack(commitNum, out problem);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Not even the file could be made; FASTER would swallow this too and wait for the commit for ever.
            problem = ex.Message;
        }

        if (problem is not null)
        {
            var failure = new IOException($"commit record {RecordPath(commitNum)} did not reach the disk whole ({problem}); its commit is not taken");
            TryDelete(RecordPath(commitNum));
            WriteFailed?.Invoke(failure);
            throw failure;
        }

        _persistedCursors = written!.Cursors;
        lock (_numbers)
        {
            _numbers.Add(commitNum);
            while (_numbers.Count > Kept)
            {
                var oldest = _numbers.Min;
                _numbers.Remove(oldest);
                _records.RemoveCommit(oldest);
            }
        }
    }

    public byte[] GetCommitMetadata(long commitNum) =>
        _recoverFrom is { } chosen && chosen.Number == commitNum ? chosen.ToMetadata() : _records.GetCommitMetadata(commitNum);

    public IEnumerable<long> ListCommits() => _recoverFrom is { } chosen ? [chosen.Number] : [];

    public void RemoveCommit(long commitNum)
    {
        lock (_numbers)
        {
            _numbers.Remove(commitNum);
        }

        _records.RemoveCommit(commitNum);
    }

    public void RemoveAllCommits() => _records.RemoveAllCommits();

    public void OnRecovery(long commitNum) => _records.OnRecovery(commitNum);

    public void Dispose() => _records.Dispose();

    private string RecordPath(long commitNum) => Path.Combine(_recordDirectory, $"commit.{commitNum}.0");

    /// <summary>The record just written as it reads back from the disk; null, and why, when it is not there whole.</summary>
    private CommitRecord? ReadBack(long commitNum, out string? problem)
    {
        try
        {
            var record = CommitRecord.TryParse(commitNum, File.ReadAllBytes(RecordPath(commitNum)), out var parseProblem);
            problem = record is null ? parseProblem : null;
            return record;
        }
        catch (IOException ex)
        {
            problem = ex.Message;
            return null;
        }
    }

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
