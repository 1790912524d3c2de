using System.Runtime.InteropServices;
using Collector.Storage.Log;
using Collector.Tests.Infrastructure;
using FASTER.core;

namespace Collector.Tests.Storage;

/// <summary>
/// The log's own device on a real file: aligned writes go to the disk without the page cache (O_DIRECT, where Linux
/// allows it), writes O_DIRECT cannot take still land through the buffered handle, and reads through the buffered
/// handle always see the newest bytes, whichever handle wrote them.
/// </summary>
public sealed unsafe class SegmentDeviceTests : IDisposable
{
    private const int Block = 4096;

    private readonly TempDirectory _data = new();
    private readonly byte* _memory = (byte*)NativeMemory.AlignedAlloc(4 * Block, Block);

    public void Dispose()
    {
        NativeMemory.AlignedFree(_memory);
        _data.Dispose();
    }

    [Fact]
    public void AlignedWrite_GoesToTheDiskPastThePageCache_AndReadsBackTheSame()
    {
        using var device = new SegmentDevice(Path.Combine(_data.Path, "log", "segment"));
        Fill(_memory, Block, seed: 1);
        Write(device, _memory, offset: Block, Block);

        Assert.Equal(Bytes(_memory, Block), File.ReadAllBytes(SegmentPath(0)).AsSpan(Block, Block).ToArray());
        Assert.Equal(Bytes(_memory, Block), Read(device, offset: Block, Block));
        if (OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64)
        {
            Assert.Contains(OpenSegmentFlags(SegmentPath(0)), flags => (flags & DirectFlag) != 0);
        }
    }

    [Fact]
    public void UnalignedWrite_LandsThroughTheBufferedHandle()
    {
        using var device = new SegmentDevice(Path.Combine(_data.Path, "log", "segment"));
        var source = _memory + 7;
        Fill(source, 100, seed: 2);
        Write(device, source, offset: 13, 100);

        Assert.Equal(Bytes(source, 100), File.ReadAllBytes(SegmentPath(0)).AsSpan(13, 100).ToArray());
    }

    [Fact]
    public void OverwriteByEitherHandle_ReadsBackTheNewestBytes()
    {
        using var device = new SegmentDevice(Path.Combine(_data.Path, "log", "segment"));
        Fill(_memory, 2 * Block, seed: 3);
        Write(device, _memory, offset: 0, 2 * Block);
        Assert.Equal(Bytes(_memory, 2 * Block), Read(device, 0, 2 * Block));

        // A direct overwrite of bytes the buffered read just cached, then a buffered one of part of it.
        Fill(_memory, 2 * Block, seed: 4);
        Write(device, _memory, offset: 0, 2 * Block);
        Assert.Equal(Bytes(_memory, 2 * Block), Read(device, 0, 2 * Block));
        Fill(_memory + 1, 10, seed: 5);
        Write(device, _memory + 1, offset: 1, 10);
        Assert.Equal(Bytes(_memory, 2 * Block), Read(device, 0, 2 * Block));
        Assert.Equal(Bytes(_memory, 2 * Block), File.ReadAllBytes(SegmentPath(0)));
    }

    [Fact]
    public void OnA4KiBSectorDisk_WritesAlignedTo512Bytes_LandThroughThePageCache()
    {
        // FASTER flushes a page's tail from a 512-byte boundary; a 4Kn disk refuses such a direct write (EINVAL).
        using var disk = new LoopMountedDisk("32M", sectorBytes: 4096);
        using (var device = new SegmentDevice(Path.Combine(disk.Path, "log", "segment")))
        {
            Fill(_memory, 2 * Block, seed: 6);
            Write(device, _memory, offset: 0, Block);
            Write(device, _memory + 512, offset: Block + 512, 1024);
            Write(device, _memory + Block, offset: 2 * Block, Block);

            var expected = new byte[3 * Block];
            new ReadOnlySpan<byte>(_memory, Block).CopyTo(expected);
            new ReadOnlySpan<byte>(_memory + 512, 1024).CopyTo(expected.AsSpan(Block + 512));
            new ReadOnlySpan<byte>(_memory + Block, Block).CopyTo(expected.AsSpan(2 * Block));
            Assert.Equal(expected, Read(device, 0, 3 * Block));
        }

        Assert.Equal(3 * Block, new FileInfo(Path.Combine(disk.Path, "log", "segment.0")).Length);
    }

    private static int DirectFlag => RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 0x4000 : 0x10000;

    private string SegmentPath(int segment) => Path.Combine(_data.Path, "log", $"segment.{segment}");

    private static void Fill(byte* into, int length, int seed) => new Random(seed).NextBytes(new Span<byte>(into, length));

    private static byte[] Bytes(byte* from, int length) => new ReadOnlySpan<byte>(from, length).ToArray();

    private static void Write(SegmentDevice device, byte* source, long offset, int length)
    {
        using var done = new ManualResetEventSlim();
        uint error = 1;
        device.WriteAsync((IntPtr)source, 0, (ulong)offset, (uint)length, (code, _, _) => { error = code; done.Set(); }, device);
        Assert.True(done.Wait(TimeSpan.FromSeconds(10)), "the write never completed");
        Assert.Equal(0u, error);
    }

    private static byte[] Read(SegmentDevice device, long offset, int length)
    {
        var buffer = (byte*)NativeMemory.AlignedAlloc((nuint)length, Block);
        try
        {
            using var done = new ManualResetEventSlim();
            uint error = 1, read = 0;
            device.ReadAsync(0, (ulong)offset, (IntPtr)buffer, (uint)length, (code, bytes, _) => { (error, read) = (code, bytes); done.Set(); }, device);
            Assert.True(done.Wait(TimeSpan.FromSeconds(10)), "the read never completed");
            Assert.Equal(0u, error);
            return new ReadOnlySpan<byte>(buffer, (int)read).ToArray();
        }
        finally
        {
            NativeMemory.AlignedFree(buffer);
        }
    }

    // The status flags of every descriptor this process holds on the file (/proc/self/fdinfo, octal).
    private static List<int> OpenSegmentFlags(string path) =>
        Directory.EnumerateFiles("/proc/self/fd")
            .Where(fd => TryTarget(fd) == path)
            .Select(fd => File.ReadLines($"/proc/self/fdinfo/{Path.GetFileName(fd)}").First(line => line.StartsWith("flags:", StringComparison.Ordinal)))
            .Select(line => Convert.ToInt32(line["flags:".Length..].Trim(), 8))
            .ToList();

    private static string? TryTarget(string link)
    {
        try
        {
            return new FileInfo(link).LinkTarget;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
