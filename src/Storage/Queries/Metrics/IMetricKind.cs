using System.Globalization;
using System.Text.Json;

namespace Collector.Storage.Queries;

/// <summary>
/// How one kind of metric (with its temporality) is read: the aggregates ClickHouse computes per series and step,
/// and how one series' rows, in step order, become step values. Cumulative kinds read one step before the range
/// (<see cref="Lookback"/>) so the first step has a value to take the difference from.
/// </summary>
internal interface IMetricKind
{
    /// <summary>A WITH clause the columns use, or empty.</summary>
    string With { get; }

    string Columns { get; }

    /// <summary>Columns that split a series' step further (explicit bounds, scale), each with a leading comma; or empty.</summary>
    string ExtraGroupBy { get; }

    bool Lookback { get; }

    /// <param name="rows">One series' rows in step order.</param>
    /// <param name="firstStep">The first step to answer (unix seconds); earlier rows are the lookback.</param>
    /// <param name="rangeStartNs">Where reading began: a cumulative series that started after it counts from zero.</param>
    IEnumerable<(long Step, IStepAggregate Value)> Read(IReadOnlyList<JsonElement> rows, long firstStep, ulong rangeStartNs);
}

/// <summary>One step of one series, or of a group of series merged; <see cref="Point"/> renders it for the answer.</summary>
internal interface IStepAggregate
{
    IStepAggregate Merge(IStepAggregate other);

    object Point(DateTimeOffset time, int stepSeconds);
}

/// <summary>Reading the metric columns of JSONEachRow: 64-bit integers come as strings, non-finite floats as null.</summary>
internal static class MetricValues
{
    /// <summary>A gauge or sum point's value, whichever of double and integer it was sent as.</summary>
    public const string Value = "if(value_is_int, toFloat64(value_int), value)";

    public static double Number(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => double.Parse(value.GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture),
        JsonValueKind.Number => value.GetDouble(),
        _ => double.NaN,
    };

    public static double Number(JsonElement row, string name) => Number(row.GetProperty(name));

    public static ulong Unsigned(JsonElement row, string name)
    {
        var value = row.GetProperty(name);
        return value.ValueKind == JsonValueKind.String ? ulong.Parse(value.GetString()!, CultureInfo.InvariantCulture) : value.GetUInt64();
    }

    public static List<double> Numbers(JsonElement row, string name) => row.GetProperty(name).EnumerateArray().Select(Number).ToList();

    /// <summary>minIf/maxIf of a column with its count of points that had it: null where none did.</summary>
    public static double? Optional(JsonElement row, string value, string present) =>
        RowValues.Long(row, present) > 0 && RowValues.Double(row, value) is { } v ? v : null;
}
