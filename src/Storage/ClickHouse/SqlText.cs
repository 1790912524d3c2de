using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Collector.Storage.ClickHouse;

/// <summary>
/// The one place SQL text is built from values. ClickHouse 18.16 has no server-side query parameters, so every
/// literal goes through <see cref="Literal(string)"/> and every identifier through <see cref="Identifier"/>.
/// </summary>
public static class SqlText
{
    // DateTime is a UInt32 of unix seconds; outside this range ClickHouse would silently wrap.
    private static readonly DateTimeOffset MinDateTime = DateTimeOffset.UnixEpoch;
    private static readonly DateTimeOffset MaxDateTime = DateTimeOffset.FromUnixTimeSeconds(uint.MaxValue);

    /// <summary>
    /// A single-quoted string literal with backslash escapes; other text passes through and is sent as UTF-8
    /// (a lone UTF-16 surrogate, which UTF-8 cannot carry, arrives as U+FFFD).
    /// </summary>
    public static string Literal(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var text = new StringBuilder(value.Length + 2);
        text.Append('\'');
        foreach (var c in value)
        {
            switch (c)
            {
                case '\\': text.Append(@"\\"); break;
                case '\'': text.Append(@"\'"); break;
                case '\0': text.Append(@"\0"); break;
                case '\n': text.Append(@"\n"); break;
                case '\r': text.Append(@"\r"); break;
                case '\t': text.Append(@"\t"); break;
                case '\b': text.Append(@"\b"); break;
                case '\f': text.Append(@"\f"); break;
                case < ' ': text.Append(@"\x").Append(((int)c).ToString("X2", CultureInfo.InvariantCulture)); break;
                default: text.Append(c); break;
            }
        }

        return text.Append('\'').ToString();
    }

    public static string Literal(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Literal(ulong value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A Float64 literal that reads back bit for bit; NaN and infinities are refused.</summary>
    public static string Literal(double value)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentException($"only finite numbers are SQL literals, not {value}", nameof(value));
        }

        if (double.IsSubnormal(value))
        {
            // 18.16's parser rejects subnormal literals (strtod reports ERANGE), so send the bits instead.
            Span<byte> bits = stackalloc byte[8];
            BinaryPrimitives.WriteDoubleLittleEndian(bits, value);
            return $"reinterpretAsFloat64(unhex('{Convert.ToHexString(bits)}'))";
        }

        var text = value.ToString("R", CultureInfo.InvariantCulture);

        // Without a point or exponent ClickHouse types 3 as UInt8 and -0 as Int8, losing the sign of zero.
        return text.Contains('.', StringComparison.Ordinal) || text.Contains('E', StringComparison.Ordinal) ? text : text + ".0";
    }

    /// <summary>A DateTime (whole seconds) as <c>toDateTime(unix seconds)</c>.</summary>
    /// <remarks>
    /// Seconds rather than <c>toDateTime('2024-01-02 03:04:05', 'UTC')</c>: exact over the whole UInt32 range and
    /// free of time zones, while 18.16 misreads date text after 2105 (2106-02-07 06:28:15 reads as 23295).
    /// </remarks>
    public static string Literal(DateTimeOffset value)
    {
        if (value < MinDateTime || value > MaxDateTime)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "ClickHouse DateTime holds 1970-01-01 to 2106-02-07 only");
        }

        return $"toDateTime({value.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)})";
    }

    /// <summary>True for <c>[A-Za-z_][A-Za-z0-9_]*</c>: names safe to write unquoted on every ClickHouse version.</summary>
    public static bool IsIdentifier(string? name)
    {
        if (string.IsNullOrEmpty(name) || char.IsAsciiDigit(name[0]))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Returns <paramref name="name"/> when it is an <see cref="IsIdentifier">identifier</see>, else throws.</summary>
    public static string Identifier(string name)
    {
        if (!IsIdentifier(name))
        {
            throw new ArgumentException($"'{name}' is not a valid ClickHouse identifier: use letters, digits and '_', not starting with a digit", nameof(name));
        }

        return name;
    }
}
