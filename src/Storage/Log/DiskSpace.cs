namespace Collector.Storage.Log;

/// <summary>
/// What the data dir's file system has room for. FASTER turns a failed write into error code -1 and drops the
/// IOException, so after a failed commit the durable log asks the file system itself: a probe write that fails
/// with ENOSPC or EDQUOT (or the Windows disk-full codes), or less free space than a commit needs, is a full disk.
/// </summary>
internal static class DiskSpace
{
    // errno values on Linux and macOS (the IOException's HResult there), then ERROR_HANDLE_DISK_FULL and ERROR_DISK_FULL.
    private const int NoSpace = 28;
    private const int QuotaExceededLinux = 122;
    private const int QuotaExceededMac = 69;
    private const int WindowsHandleDiskFull = 0x27;
    private const int WindowsDiskFull = 0x70;

    /// <summary>Bytes free for this process on the file system of <paramref name="directory"/>, or -1 when it cannot be told.</summary>
    public static long FreeBytes(string directory)
    {
        try
        {
            return new DriveInfo(Path.GetFullPath(directory)).AvailableFreeSpace;
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or UnauthorizedAccessException)
        {
            return -1;
        }
    }

    /// <summary>True when the write failure <paramref name="exception"/> says the file system has no room.</summary>
    public static bool IsDiskFull(IOException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var code = exception.HResult;
        return code is NoSpace or QuotaExceededLinux or QuotaExceededMac
            || (OperatingSystem.IsWindows() && (code & 0xFFFF) is WindowsHandleDiskFull or WindowsDiskFull);
    }

    /// <summary>
    /// Writes and deletes <paramref name="bytes"/> bytes in <paramref name="directory"/> (as a log page would be written):
    /// true when the file system refused them for want of space.
    /// </summary>
    public static bool ProbeIsFull(string directory, int bytes)
    {
        var path = Path.Combine(directory, ".space-probe");
        try
        {
            using (var probe = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
            {
                var block = new byte[Math.Min(bytes, 1 << 20)];
                for (var written = 0; written < bytes; written += block.Length)
                {
                    probe.Write(block);
                }

                probe.Flush(flushToDisk: true);
            }

            return false;
        }
        catch (IOException ex)
        {
            TryDelete(path);
            return IsDiskFull(ex);
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Left for the next probe to overwrite.
        }
    }
}
