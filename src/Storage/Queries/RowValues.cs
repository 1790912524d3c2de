using System.Globalization;
using System.Text.Json;

namespace Collector.Storage.Queries;

/// <summary>Reads JSONEachRow values: 64-bit integers arrive as strings, non-finite floats as null.</summary>
internal static class RowValues
{
    public static long Long(JsonElement row, string name)
    {
        var value = row.GetProperty(name);
        return value.ValueKind == JsonValueKind.String
            ? long.Parse(value.GetString()!, NumberStyles.Integer, CultureInfo.InvariantCulture)
            : value.GetInt64();
    }

    public static double? Double(JsonElement row, string name)
    {
        var value = row.GetProperty(name);
        return value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;
    }

    public static string Text(JsonElement row, string name) => row.GetProperty(name).GetString() ?? string.Empty;

    /// <summary>A UInt32 of unix seconds as UTC; 0 (ClickHouse's empty DateTime) is null.</summary>
    public static DateTimeOffset? Time(JsonElement row, string name)
    {
        var seconds = Long(row, name);
        return seconds == 0 ? null : DateTimeOffset.FromUnixTimeSeconds(seconds);
    }

    /// <summary>numerator / denominator, or null when there is nothing to divide or the result is not finite.</summary>
    public static double? Ratio(double? numerator, double denominator)
    {
        if (numerator is not { } n || denominator == 0)
        {
            return null;
        }

        var ratio = n / denominator;
        return double.IsFinite(ratio) ? ratio : null;
    }
}
