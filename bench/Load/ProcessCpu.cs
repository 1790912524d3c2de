using System.Globalization;

namespace Collector.Bench.Load;

/// <summary>A process's CPU time (user + system, all threads) from /proc/&lt;pid&gt;/stat.</summary>
internal static class ProcessCpu
{
    // utime and stime are in USER_HZ clock ticks, which Linux fixes at 100 on x86-64 and arm64.
    private const double TicksPerSecond = 100;

    /// <summary>CPU seconds used so far; null when the process is gone or /proc is unreadable.</summary>
    public static double? ReadSeconds(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        // The command name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        const int UserTimeField = 14 - 3;
        const int SystemTimeField = 15 - 3;
        return (long.Parse(fields[UserTimeField], CultureInfo.InvariantCulture) + long.Parse(fields[SystemTimeField], CultureInfo.InvariantCulture)) / TicksPerSecond;
    }
}
