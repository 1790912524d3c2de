using System.Globalization;

namespace Collector.Bench.Load;

/// <summary>A process's resident memory from /proc/&lt;pid&gt;/status: VmRSS now and VmHWM, the peak the kernel kept.</summary>
internal static class ProcessMemory
{
    /// <summary>(current, peak) resident bytes; null when the process is gone or /proc is unreadable.</summary>
    public static (long RssBytes, long PeakRssBytes)? Read(int pid)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        long? rss = null;
        long? peak = null;
        foreach (var line in lines)
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = Kilobytes(line) * 1024;
            }
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                peak = Kilobytes(line) * 1024;
            }
        }

        return rss is { } r && peak is { } p ? (r, p) : null;
    }

    // "VmRSS:\t  131072 kB"
    private static long Kilobytes(string line) =>
        long.Parse(line.AsSpan(line.IndexOf(':', StringComparison.Ordinal) + 1).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
}
