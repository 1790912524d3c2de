using Collector.Storage.Log;
using Collector.Tests.Infrastructure;

namespace Collector.Tests.Storage;

/// <summary>
/// The disk-full test of the durable log against a real full file system (a loop-mounted ext4, root as CI runs):
/// .NET's IOException for ENOSPC must carry the errno the probe looks for, or a full disk would be misnamed.
/// </summary>
public sealed class DiskSpaceTests : IDisposable
{
    private readonly LoopMountedDisk _disk = new("16M");

    public void Dispose() => _disk.Dispose();

    [Fact]
    public void ProbeIsFull_OnlyWhileTheFileSystemHasNoRoom()
    {
        Assert.False(DiskSpace.ProbeIsFull(_disk.Path, 1 << 20));
        _disk.Fill();
        Assert.True(DiskSpace.FreeBytes(_disk.Path) < 1 << 20, $"{DiskSpace.FreeBytes(_disk.Path)} bytes free after filling");
        Assert.True(DiskSpace.ProbeIsFull(_disk.Path, 1 << 20), "a write that found no space was not recognised as ENOSPC");
        _disk.Free();
        Assert.False(DiskSpace.ProbeIsFull(_disk.Path, 1 << 20));
        Assert.False(File.Exists(Path.Combine(_disk.Path, ".space-probe")));
    }
}
