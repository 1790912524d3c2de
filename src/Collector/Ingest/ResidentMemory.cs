using System.Globalization;

namespace Collector.Host.Ingest;

/// <summary>
/// The process's resident memory, as the kernel counts it (what an operator sees as RSS and what a memory cgroup
/// limits): /proc/self/statm on Linux, the working set elsewhere.
/// </summary>
public static class ResidentMemory
{
    private const string StatmPath = "/proc/self/statm";

    /// <summary>Resident bytes now.</summary>
    public static long ReadBytes()
    {
        if (OperatingSystem.IsLinux() && TryReadStatm(out var bytes))
        {
            return bytes;
        }

        return Environment.WorkingSet;
    }

    // statm: "size resident shared text lib data dt", in pages.
    private static bool TryReadStatm(out long bytes)
    {
        bytes = 0;
        try
        {
            var fields = File.ReadAllText(StatmPath).Split(' ', 3);
            if (fields.Length >= 2 && long.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var pages))
            {
                bytes = pages * Environment.SystemPageSize;
                return true;
            }
        }
        catch (IOException)
        {
            // No procfs (a container without it): the working set below.
        }

        return false;
    }
}
