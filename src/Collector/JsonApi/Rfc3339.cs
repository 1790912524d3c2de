using System.Globalization;
using System.Text.RegularExpressions;

namespace Collector.Host.JsonApi;

/// <summary>RFC 3339 timestamps ("2025-08-25T10:00:00Z", "2025-08-25T12:00:00.123456789+02:00") to and from Unix nanoseconds.</summary>
public static partial class Rfc3339
{
    /// <summary>False for anything that is not an RFC 3339 date-time with an offset, or before 1970.</summary>
    public static bool TryParseUnixNanoseconds(string text, out ulong unixNanoseconds)
    {
        unixNanoseconds = 0;
        var match = Pattern().Match(text);
        if (!match.Success)
        {
            return false;
        }

        // DateTimeOffset keeps 100 ns ticks; the fraction is added separately so nanoseconds survive.
        var whole = $"{match.Groups["date"].Value}T{match.Groups["time"].Value}{NormalizeOffset(match.Groups["offset"].Value)}";
        if (!DateTimeOffset.TryParseExact(whole, "yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture, DateTimeStyles.None, out var instant)
            || instant < DateTimeOffset.UnixEpoch)
        {
            return false;
        }

        var fraction = match.Groups["fraction"].Value;
        var nanos = fraction.Length == 0 ? 0 : ulong.Parse(fraction.PadRight(9, '0')[..9], CultureInfo.InvariantCulture);
        unixNanoseconds = (ulong)(instant.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100 + nanos;
        return true;
    }

    /// <summary>UTC with all nine digits of the fraction: "2025-08-25T10:00:00.000000123Z".</summary>
    public static string FormatUnixNanoseconds(ulong unixNanoseconds)
    {
        var seconds = DateTimeOffset.FromUnixTimeSeconds((long)(unixNanoseconds / 1_000_000_000UL));
        return string.Create(CultureInfo.InvariantCulture, $"{seconds:yyyy-MM-dd'T'HH:mm:ss}.{unixNanoseconds % 1_000_000_000UL:D9}Z");
    }

    private static string NormalizeOffset(string offset) => offset is "Z" or "z" ? "+00:00" : offset;

    [GeneratedRegex(@"^(?<date>\d{4}-\d{2}-\d{2})[Tt ](?<time>\d{2}:\d{2}:\d{2})(?:\.(?<fraction>\d{1,9}))?(?<offset>[Zz]|[+-]\d{2}:\d{2})$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex Pattern();
}
