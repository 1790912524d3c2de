using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Collector.Storage.Queries;

/// <summary>
/// The place of the last event of a page in the answer's order (ts_ns, log_id, log_address, log_row), all descending;
/// the next page holds the events strictly after it. The tuple names one stored row (exactly-once storage makes the
/// log place unique), so a page boundary between events of equal time neither skips nor repeats one, and events stored
/// later with newer times never shift a page. Sent to clients as opaque base64url text; it carries no filters, so it
/// means the same place with any filters.
/// </summary>
public sealed record EventCursor(ulong TimeUnixNano, string LogId, ulong LogAddress, uint LogRow)
{
    private const string Version = "1";

    /// <summary>The second the event's ts column holds.</summary>
    public long Seconds => (long)(TimeUnixNano / 1_000_000_000UL);

    public string Encode() =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{Version}.{TimeUnixNano}.{LogAddress}.{LogRow}.{LogId}")));

    /// <summary>Reads a cursor this class encoded; anything else is a <see cref="QueryParameterException"/> naming <paramref name="parameter"/>.</summary>
    public static EventCursor Decode(string text, string parameter)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] parts;
        try
        {
            parts = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(text)).Split('.', 5);
        }
        catch (FormatException)
        {
            throw Invalid(parameter);
        }

        return parts.Length == 5
            && string.Equals(parts[0], Version, StringComparison.Ordinal)
            && ulong.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var time)
            && ulong.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var address)
            && uint.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var row)
            && time / 1_000_000_000UL <= uint.MaxValue
            ? new EventCursor(time, parts[4], address, row)
            : throw Invalid(parameter);
    }

    private static QueryParameterException Invalid(string parameter) =>
        new(parameter, $"{parameter} is not a cursor this collector gave out: pass next_cursor of the previous page unchanged");
}
