using System.Globalization;

namespace Collector.Tests.Torture;

/// <summary>
/// The figures of a torture run, one line per scenario run, appended to the file named by COLLECTOR_TORTURE_REPORT
/// (the torture script sets it and turns the lines into RELIABILITY.md); without it, nothing is written. Figures are
/// recorded before the oracle's assertions, so a failing run reports what it lost too.
/// </summary>
internal static class TortureReport
{
    private static readonly Lock Gate = new();

    public static void Add(string scenario, string run, long acknowledged, long lost, long duplicated, string figures)
    {
        if (Environment.GetEnvironmentVariable("COLLECTOR_TORTURE_REPORT") is not { Length: > 0 } path)
        {
            return;
        }

        var line = string.Join('\t', scenario, run, acknowledged.ToString(CultureInfo.InvariantCulture), lost.ToString(CultureInfo.InvariantCulture), duplicated.ToString(CultureInfo.InvariantCulture), figures.Replace('\t', ' ').Replace('\n', ' '));
        lock (Gate)
        {
            File.AppendAllText(path, line + "\n");
        }
    }
}
