// Writes that bypass the page cache (O_DIRECT) for the log's segment files.
//
// Why: a segment write is O_SYNC either way, so the copy into the page cache buys nothing but CPU: on the bench
// machine it was half the kernel time of a 1 MiB O_SYNC write (bench/RESULTS.md, issue 15). .NET has no FileOptions
// for O_DIRECT on Unix, so it is set on an opened handle with fcntl(F_SETFL), which Linux allows for this flag.
//
// Invariants
// - Only where it works: Linux on x64 or arm64, and a filesystem that accepts the flag. Anywhere else TryEnable
//   returns false and the caller keeps its buffered O_SYNC handle: the durability is the same, only the CPU differs.
// - O_DIRECT needs the memory address, file offset and length aligned to the disk's logical sector. IsAligned checks
//   512 bytes, FASTER's sector; a disk with larger sectors refuses such a write with EINVAL, which SegmentDevice
//   answers by writing it buffered and writing direct no more.
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Collector.Storage.Log;

internal static partial class DirectIo
{
    /// <summary>The alignment O_DIRECT asks for on the disks the log runs on (their logical block size).</summary>
    public const int Alignment = 512;

    private const int GetStatusFlags = 3;
    private const int SetStatusFlags = 4;

    public static bool IsAligned(nint address, long offset, uint length) =>
        address % Alignment == 0 && offset % Alignment == 0 && length % Alignment == 0;

    /// <summary>Turns on O_DIRECT for <paramref name="file"/>; false (and the handle unchanged) where it cannot.</summary>
    public static bool TryEnable(SafeFileHandle file)
    {
        if (!OperatingSystem.IsLinux() || DirectFlag() is not { } direct)
        {
            return false;
        }

        var flags = Fcntl(file, GetStatusFlags, 0);
        return flags >= 0 && Fcntl(file, SetStatusFlags, flags | direct) == 0;
    }

    // The flag's value differs by architecture (asm-generic against x86's own fcntl.h).
    private static int? DirectFlag() => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 0x4000,
        Architecture.Arm64 => 0x10000,
        _ => null,
    };

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(SafeFileHandle file, int command, int argument);
}
