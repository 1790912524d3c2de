using System.Diagnostics;

namespace Collector.Tests.Infrastructure;

/// <summary>
/// A small ext4 file system in an image file, loop-mounted under /tmp (needs root, as CI runs: without it the test
/// fails, it never passes unchecked), that a test can fill up and free again. Unmounted and deleted with the test.
/// </summary>
internal sealed class LoopMountedDisk : IDisposable
{
    private readonly TempDirectory _root;
    private readonly bool _mounted;
    private readonly string? _loopDevice;

    /// <param name="size">The image's size, as truncate takes it.</param>
    /// <param name="sectorBytes">The loop device's logical sector size: 4096 makes a disk like a 4Kn drive, on which
    /// O_DIRECT needs 4 KiB alignment.</param>
    public LoopMountedDisk(string size = "64M", int sectorBytes = 512)
    {
        _root = new TempDirectory("collector-loopdisk");
        var image = System.IO.Path.Combine(_root.Path, "disk.img");
        Directory.CreateDirectory(Path);
        Assert.True(Run("truncate", "-s", size, image) == 0, "truncate failed");
        if (sectorBytes == 512)
        {
            Assert.True(Run("mkfs.ext4", "-q", "-F", image) == 0, "mkfs.ext4 failed");
            Assert.True(Run("mount", "-o", "loop", image, Path) == 0, "mount -o loop failed: this test needs root (CI runs as root); it does not pass without it");
        }
        else
        {
            var (code, device) = RunForOutput("losetup", "--find", "--show", "--sector-size", sectorBytes.ToString(System.Globalization.CultureInfo.InvariantCulture), image);
            Assert.True(code == 0, "losetup failed: this test needs root (CI runs as root); it does not pass without it");
            _loopDevice = device.Trim();
            Assert.True(Run("mkfs.ext4", "-q", "-F", _loopDevice) == 0, "mkfs.ext4 failed");
            Assert.True(Run("mount", _loopDevice, Path) == 0, $"mount {_loopDevice} failed");
        }

        _mounted = true;
    }

    /// <summary>Where the file system is mounted.</summary>
    public string Path => System.IO.Path.Combine(_root.Path, "mnt");

    private string Filler => System.IO.Path.Combine(Path, "filler");

    private string Reserve => System.IO.Path.Combine(Path, "filler-reserve");

    /// <summary>
    /// Writes files until the file system has no space left, not even a block. The first is a reserve of half the room
    /// left (24 MiB at most), taken at once: a collector writing while the disk fills races the filler for the rest,
    /// and the reserve is what <see cref="Free"/> is sure to give back (a log that took nearly all of it would leave
    /// less room than it needs to take entries again, which is not what a test of a freed disk means to check).
    /// </summary>
    public void Fill()
    {
        var room = new DriveInfo(Path).AvailableFreeSpace;
        var reserve = Math.Min(24L << 20, room / 2) & ~4095L;
        if (reserve > 0)
        {
            using var file = new FileStream(Reserve, new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, PreallocationSize = reserve });
        }

        // Then megabytes, pages, and less than the smallest block (a small image gets 1 KiB blocks, and what a 4 KiB
        // write leaves is room for three small files, such as commit records).
        FillWith(Filler, 1 << 20);
        FillWith(Filler + "-tail", 4096);
        FillWith(Filler + "-crumbs", 512);
    }

    /// <summary>Deletes what <see cref="Fill"/> wrote.</summary>
    public void Free()
    {
        File.Delete(Reserve);
        File.Delete(Filler);
        File.Delete(Filler + "-tail");
        File.Delete(Filler + "-crumbs");
    }

    /// <summary>
    /// Makes <paramref name="file"/> immutable (chattr +i) or not: every write to it then fails with EPERM, even through a
    /// handle opened before, as on a disk that refuses writes (the kernel checks it on each write since Linux 5.3).
    /// </summary>
    public static void SetImmutable(string file, bool immutable) =>
        Assert.Equal(0, Run("chattr", immutable ? "+i" : "-i", file));

    private static void FillWith(string path, int blockBytes)
    {
        var block = new byte[blockBytes];
        try
        {
            using var filler = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
            while (true)
            {
                filler.Write(block);
                filler.Flush(flushToDisk: true);
            }
        }
        catch (IOException)
        {
            // No space left: exactly what the test wants.
        }
    }

    public void Dispose()
    {
        if (_mounted)
        {
            Run("umount", "-l", Path);
        }

        if (_loopDevice is not null)
        {
            Run("losetup", "-d", _loopDevice);
        }

        _root.Dispose();
    }

    private static (int Code, string Output) RunForOutput(string file, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output);
    }

    private static int Run(string file, params string[] args) => RunForOutput(file, args).Code;
}
