using System.ComponentModel;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Collector.Bench.DiskSync;

/// <summary>
/// fdatasync(2) from libc: .NET has only fsync (FileStream.Flush(true)), which also writes metadata an append does not
/// need (timestamps). fdatasync still commits a size change, so an append pays for its journal commit as it should.
/// </summary>
internal static partial class Fdatasync
{
    public static void Flush(SafeFileHandle file)
    {
        var added = false;
        file.DangerousAddRef(ref added);
        try
        {
            if (Call((int)file.DangerousGetHandle()) != 0)
            {
                throw new Win32Exception(Marshal.GetLastPInvokeError(), "fdatasync failed");
            }
        }
        finally
        {
            if (added)
            {
                file.DangerousRelease();
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    private static partial int Call(int descriptor);
}
