using System.Buffers.Binary;
using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace Collector.Bench.DiskSync;

/// <summary>
/// Times one write + fdatasync at a time on one thread, as a commit waits for it: appends of a block to a growing
/// file (a log segment that is not preallocated), or overwrites of one of two fixed slots at the start of a small
/// preallocated file (a commit record). The warm-up writes go to the same file first and are not timed.
/// </summary>
internal static class SyncedWrites
{
    /// <summary>Milliseconds per append of <paramref name="blockBytes"/> at the end of a new file, then fdatasync.</summary>
    public static double[] Append(string file, int blockBytes, int warmUp, int iterations)
    {
        using var handle = File.OpenHandle(file, FileMode.CreateNew, FileAccess.Write);
        return Time(handle, blockBytes, warmUp, iterations, write => (long)write * blockBytes);
    }

    /// <summary>Milliseconds per overwrite of slot 0 or 1 (alternating) of <paramref name="recordBytes"/> each, then fdatasync.</summary>
    public static double[] OverwriteSlots(string file, int recordBytes, int warmUp, int iterations)
    {
        using var handle = File.OpenHandle(file, FileMode.CreateNew, FileAccess.Write);
        // Both slots exist on disk before the first timed write, so no timed write changes the file's size.
        RandomAccess.Write(handle, new byte[2 * recordBytes], 0);
        Fdatasync.Flush(handle);
        return Time(handle, recordBytes, warmUp, iterations, write => (long)(write % 2) * recordBytes);
    }

    private static double[] Time(SafeFileHandle handle, int bytes, int warmUp, int iterations, Func<int, long> offsetOf)
    {
        // Random contents (a disk or its host may compress or skip zeros), with the write's number in front so no two are alike.
        var buffer = new byte[bytes];
        RandomNumberGenerator.Fill(buffer);
        var milliseconds = new double[iterations];
        for (var write = 0; write < warmUp + iterations; write++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(buffer, write);
            var started = Stopwatch.GetTimestamp();
            RandomAccess.Write(handle, buffer, offsetOf(write));
            Fdatasync.Flush(handle);
            var elapsed = Stopwatch.GetElapsedTime(started);
            if (write >= warmUp)
            {
                milliseconds[write - warmUp] = elapsed.TotalMilliseconds;
            }
        }

        return milliseconds;
    }
}
