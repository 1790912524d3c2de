using System.Globalization;

namespace Collector.Storage.Queries;

/// <summary>
/// The step of a metric series: whole seconds ("60"), a number with a unit ("30s", "5m", "1h", "1d"), or the
/// history endpoint's names (minute, hour, day). Without one the span picks the smallest of a few round steps that
/// keeps the series within <see cref="DefaultPoints"/> points.
/// </summary>
public static class MetricStep
{
    public const int DefaultPoints = 300;

    private static readonly int[] RoundSteps = [10, 30, 60, 300, 900, 3600, 21_600, 86_400];

    public static bool TryParse(string text, out int seconds)
    {
        seconds = text switch
        {
            "minute" => 60,
            "hour" => 3600,
            "day" => 86_400,
            _ => 0,
        };
        if (seconds > 0)
        {
            return true;
        }

        var unit = text[^1] switch
        {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            _ => 0,
        };
        var number = unit == 0 ? text : text[..^1];
        if (!long.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count < 1 || count > 366L * 86_400)
        {
            return false;
        }

        var total = count * Math.Max(unit, 1);
        seconds = total <= 366L * 86_400 ? (int)total : 0;
        return seconds > 0;
    }

    public static int Default(TimeSpan span) =>
        RoundSteps.FirstOrDefault(s => span.TotalSeconds / s <= DefaultPoints, RoundSteps[^1]);
}
