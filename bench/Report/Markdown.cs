using System.Globalization;
using System.Text;

namespace Collector.Bench.Report;

/// <summary>Number formatting and table rows for the generated section; a missing figure shows as "n/a".</summary>
internal static class Markdown
{
    public const string Missing = "n/a";

    public static string Count(double? value) => value is { } v ? v.ToString("N0", CultureInfo.InvariantCulture) : Missing;

    public static string Nanoseconds(double? value) => value is { } v ? v.ToString(v < 100 ? "N1" : "N0", CultureInfo.InvariantCulture) + " ns" : Missing;

    public static string Microseconds(double? value) => value is { } v ? v.ToString("N2", CultureInfo.InvariantCulture) + " µs" : Missing;

    public static string Percent(double? value) => value is { } v ? v.ToString("N2", CultureInfo.InvariantCulture) + " %" : Missing;

    public static string Milliseconds(double? value) => value is { } v ? v.ToString(v < 10 ? "N2" : "N1", CultureInfo.InvariantCulture) + " ms" : Missing;

    public static string Bytes(double? value) => value is { } v ? v.ToString("N0", CultureInfo.InvariantCulture) + " B" : Missing;

    public static string Megabytes(double? bytes) => bytes is { } v ? (v / 1_048_576).ToString("N0", CultureInfo.InvariantCulture) + " MiB" : Missing;

    public static string Ratio(double? value) => value is { } v ? v.ToString(v < 10 ? "N2" : "N1", CultureInfo.InvariantCulture) + "x" : Missing;

    public static double? Divide(double? numerator, double? denominator) =>
        numerator is { } n && denominator is { } d && d != 0 ? n / d : null;

    public static StringBuilder Row(this StringBuilder text, params string[] cells) =>
        text.Append("| ").AppendJoin(" | ", cells.Select(c => c.Replace("|", "\\|", StringComparison.Ordinal))).AppendLine(" |");
}
