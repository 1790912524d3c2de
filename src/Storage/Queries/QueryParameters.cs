using System.Globalization;

namespace Collector.Storage.Queries;

public sealed record EfficiencyRequest(int Hours, string EventType, string? Component);

public sealed record FootprintRequest(long MaxRawBytes, long MaxRawRows);

public sealed record HistoryRequest(string? EventType, string? Component, DateTimeOffset From, DateTimeOffset To, HistoryStep Step);

/// <summary>
/// Reads and checks the query string of the /telemetry endpoints; every failure is a
/// <see cref="QueryParameterException"/> naming the parameter. Unknown parameters are ignored; a known one given twice
/// or empty is refused. Filters are plain text: they reach SQL only through SqlText.Literal.
/// </summary>
public sealed partial class QueryParameters(IReadOnlyDictionary<string, string?[]> values, TelemetryQueryOptions options)
{
    public const string DefaultEventType = "THOUGHT_LATENCY";
    public const int MaxHours = 1440;
    public const int MaxTextLength = 1024;

    private static readonly DateTimeOffset MaxTime = DateTimeOffset.FromUnixTimeSeconds(uint.MaxValue);

    public EfficiencyRequest Efficiency()
    {
        var hours = Integer("hours", 24, 1, MaxHours);
        return new EfficiencyRequest((int)hours, Text("event_type") ?? DefaultEventType, Text("component"));
    }

    public FootprintRequest Footprint() =>
        new(Integer("max_raw_bytes", options.MaxRawBytes, 1, long.MaxValue), Integer("max_raw_rows", options.MaxRawRows, 1, long.MaxValue));

    /// <summary>
    /// to defaults to <paramref name="now"/>, from to 24 h before to; without a step the span picks one: up to 6 h by
    /// minute, up to 14 days by hour, else by day. A span of more than MaxHistoryPoints buckets is refused.
    /// </summary>
    public HistoryRequest History(DateTimeOffset now)
    {
        var to = Time("to") ?? DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds());
        var from = Time("from") ?? to.AddHours(-24);
        if (from >= to)
        {
            throw new QueryParameterException("from", "from must be before to");
        }

        var span = to - from;
        var stepText = Text("step");
        HistoryStep step;
        if (stepText is null)
        {
            step = span <= TimeSpan.FromHours(6) ? HistoryStep.Minute : span <= TimeSpan.FromDays(14) ? HistoryStep.Hour : HistoryStep.Day;
        }
        else if (!HistorySteps.TryParse(stepText, out step))
        {
            throw new QueryParameterException("step", "step must be minute, hour or day");
        }

        var points = Math.Ceiling(span / step.Width());
        if (points > options.MaxHistoryPoints)
        {
            throw new QueryParameterException(
                stepText is null ? "from" : "step",
                $"from {from:yyyy-MM-ddTHH:mm:ssZ} to {to:yyyy-MM-ddTHH:mm:ssZ} by {step.Name()} is {points:F0} points; at most {options.MaxHistoryPoints} are allowed: use a wider step or a shorter span");
        }

        return new HistoryRequest(Text("event_type"), Text("component"), from, to, step);
    }

    private string? Single(string name)
    {
        if (!values.TryGetValue(name, out var given) || given.Length == 0)
        {
            return null;
        }

        if (given.Length > 1)
        {
            throw new QueryParameterException(name, $"{name} is given {given.Length} times; give it once");
        }

        if (string.IsNullOrEmpty(given[0]))
        {
            throw new QueryParameterException(name, $"{name} is empty; leave it out for the default");
        }

        return given[0];
    }

    private string? Text(string name)
    {
        var text = Single(name);
        return text is { Length: > MaxTextLength }
            ? throw new QueryParameterException(name, $"{name} is longer than {MaxTextLength} characters")
            : text;
    }

    private long Integer(string name, long fallback, long min, long max)
    {
        if (Single(name) is not { } text)
        {
            return fallback;
        }

        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new QueryParameterException(name, $"{name} must be a whole number from {min} to {max}, not '{Shorten(text)}'");
    }

    /// <summary>Unix seconds, or ISO-8601 with Z or an offset (converted to UTC); within ClickHouse's DateTime range.</summary>
    private DateTimeOffset? Time(string name)
    {
        if (Single(name) is not { } text)
        {
            return null;
        }

        DateTimeOffset time;
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds <= uint.MaxValue)
        {
            time = DateTimeOffset.FromUnixTimeSeconds(seconds);
        }
        else if (!char.IsAsciiDigit(text[0])
            || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time))
        {
            throw new QueryParameterException(name, $"{name} must be unix seconds or an ISO-8601 UTC time such as 2026-01-31T12:00:00Z, not '{Shorten(text)}'");
        }

        // DateTime columns hold whole seconds; a fraction is cut, as SqlText.Literal would.
        return time < DateTimeOffset.UnixEpoch || time > MaxTime
            ? throw new QueryParameterException(name, $"{name} must lie between 1970-01-01 and 2106-02-07")
            : DateTimeOffset.FromUnixTimeSeconds(time.ToUnixTimeSeconds());
    }

    // Echoed text is cut so a problem body stays small.
    private static string Shorten(string text) => text.Length <= 64 ? text : text[..64] + "...";
}
