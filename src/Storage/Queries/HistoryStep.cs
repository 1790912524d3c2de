namespace Collector.Storage.Queries;

/// <summary>The bucket width of a time series, and so the rollup table that answers it.</summary>
public enum HistoryStep
{
    Minute,
    Hour,
    Day,
}

public static class HistorySteps
{
    public static string Name(this HistoryStep step) => step switch
    {
        HistoryStep.Minute => "minute",
        HistoryStep.Hour => "hour",
        _ => "day",
    };

    /// <summary>The rollup table of the step; the names are those <see cref="ClickHouse.ClickHouseSchema.Rollups"/> creates.</summary>
    public static string Table(this HistoryStep step) => step switch
    {
        HistoryStep.Minute => "events_1m",
        HistoryStep.Hour => "events_1h",
        _ => "events_1d",
    };

    public static TimeSpan Width(this HistoryStep step) => step switch
    {
        HistoryStep.Minute => TimeSpan.FromMinutes(1),
        HistoryStep.Hour => TimeSpan.FromHours(1),
        _ => TimeSpan.FromDays(1),
    };

    public static bool TryParse(string text, out HistoryStep step)
    {
        step = text switch
        {
            "minute" => HistoryStep.Minute,
            "hour" => HistoryStep.Hour,
            "day" => HistoryStep.Day,
            _ => (HistoryStep)(-1),
        };
        return Enum.IsDefined(step);
    }
}
