using FASTER.core;

namespace Collector.Storage.Log;

/// <summary>
/// FASTER's own commit record store (commits/log-commits/commit.N.0), keeping the newest two records instead of one,
/// so a damaged newest record has an older one to fall back to; and, while FasterLog recovers, showing it only the
/// record CommitRecovery chose (with its end as CommitRecovery found it), so FASTER cannot pick another one.
/// </summary>
internal sealed class RetainingCommitManager : ILogCommitManager
{
    private const int Kept = 2;

    private readonly DeviceLogCommitCheckpointManager _records;
    private readonly CommitRecord? _recoverFrom;
    private readonly SortedSet<long> _numbers;

    public RetainingCommitManager(string commitDirectory, CommitRecord? recoverFrom)
    {
        _records = new DeviceLogCommitCheckpointManager(new LocalStorageNamedDeviceFactory(), new DefaultCheckpointNamingScheme(commitDirectory), removeOutdated: false);
        _recoverFrom = recoverFrom;
        _numbers = new SortedSet<long>(_records.ListCommits());
    }

    public void Commit(long beginAddress, long untilAddress, byte[] commitMetadata, long commitNum, bool forceWriteMetadata)
    {
        _records.Commit(beginAddress, untilAddress, commitMetadata, commitNum, forceWriteMetadata);
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
}
