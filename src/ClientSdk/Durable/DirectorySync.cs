using System.Runtime.InteropServices;

namespace Collector.ClientSdk.Durable;

/// <summary>
/// fsync of a directory, so a new segment's name survives a power loss as its contents do. .NET opens no directory
/// as a file, hence libc. Best effort: where it fails, the file's own fsync is what remains.
/// </summary>
internal static partial class DirectorySync
{
    public static void Flush(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            // NTFS journals the directory entry with the file's metadata; there is no directory handle to flush.
            return;
        }

        try
        {
            var descriptor = Open(directory, 0 /* O_RDONLY */);
            if (descriptor >= 0)
            {
                _ = Fsync(descriptor);
                _ = Close(descriptor);
            }
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            // A platform without these libc calls.
        }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync")]
    private static partial int Fsync(int descriptor);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int descriptor);
}
