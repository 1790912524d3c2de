using System.Globalization;
using System.Text;
using Collector.Storage.ClickHouse;
using Collector.Tests.Infrastructure;

namespace Collector.Tests.ClickHouse;

/// <summary>The one escaping path, checked by the real server reading every literal back byte for byte.</summary>
[Collection("clickhouse")]
public sealed class SqlTextTests(ClickHouseFixture fixture) : IDisposable
{
    private readonly ClickHouseClient _client = fixture.Server.CreateClient("default");

    public static TheoryData<string> HostileStrings => new()
    {
        string.Empty,
        "it's",
        "'",
        @"\",
        @"trailing backslash \",
        @"backslash before quote \'",
        @"\\'",
        @"not an escape: \x41 \n \0",
        "nul\0inside\0",
        "line\nbreak\r\nand\rreturn",
        "tab\tbackspace\bformfeed\fvertical\vbell\aescape\u001b",
        "'; DROP TABLE x; --",
        "' OR 1 = 1 --",
        "emoji 😀 ünïcödé 中文 עברית",
        "\u007f del and \u0085 next line and \u2028 line separator",
        "{\"json\": [1, 2]}",
    };

    public void Dispose() => _client.Dispose();

    [Theory]
    [MemberData(nameof(HostileStrings))]
    public async Task Literal_HostileString_ServerReadsItBack(string value) => await AssertRoundTripAsync(value);

    [Fact]
    public async Task Literal_EveryAsciiCharacter_ServerReadsItBack()
    {
        var value = new string(Enumerable.Range(1, 127).Select(c => (char)c).ToArray());

        await AssertRoundTripAsync(value);
    }

    [Fact]
    public async Task Literal_TenKilobytesOfMixedText_ServerReadsItBack()
    {
        var value = string.Concat(Enumerable.Repeat("a'b\\c\0d\ne😀f", 1000));

        await AssertRoundTripAsync(value);
    }

    [Fact]
    public void Literal_QuoteAndBackslash_EscapedWithBackslash()
    {
        Assert.Equal(@"'a\'b\\c\0\n\x01'", SqlText.Literal("a'b\\c\0\n\u0001"));
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-1L)]
    [InlineData(long.MinValue)]
    [InlineData(long.MaxValue)]
    public async Task LiteralLong_Extremes_ServerReadsItBack(long value)
    {
        var row = Assert.Single(await _client.QueryAsync($"SELECT toString({SqlText.Literal(value)}) AS v"));

        Assert.Equal(value.ToString(CultureInfo.InvariantCulture), row.GetProperty("v").GetString());
    }

    [Fact]
    public async Task LiteralUlong_MaxValue_ServerReadsItBack()
    {
        var row = Assert.Single(await _client.QueryAsync($"SELECT toString({SqlText.Literal(ulong.MaxValue)}) AS v"));

        Assert.Equal("18446744073709551615", row.GetProperty("v").GetString());
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(-0.0)]
    [InlineData(3.0)]
    [InlineData(-2.5)]
    [InlineData(1e300)]
    [InlineData(double.MaxValue)]
    [InlineData(double.MinValue)]
    [InlineData(2.2250738585072014e-308)] // the smallest normal number
    [InlineData(1e-310)] // subnormal: 18.16 refuses it as a plain literal
    [InlineData(double.Epsilon)]
    public async Task LiteralDouble_FiniteValue_SameBitsAsFloat64(double value)
    {
        var sql = $"SELECT toTypeName(x) AS type, toString(reinterpretAsUInt64(reinterpretAsString(x))) AS bits FROM (SELECT {SqlText.Literal(value)} AS x)";

        var row = Assert.Single(await _client.QueryAsync(sql));

        Assert.Equal("Float64", row.GetProperty("type").GetString());
        Assert.Equal(BitConverter.DoubleToUInt64Bits(value).ToString(CultureInfo.InvariantCulture), row.GetProperty("bits").GetString());
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void LiteralDouble_NotFinite_Throws(double value)
    {
        Assert.Throws<ArgumentException>(() => SqlText.Literal(value));
    }

    [Theory]
    [InlineData("1970-01-01T00:00:00+00:00")]
    [InlineData("2024-02-29T23:59:59+00:00")]
    [InlineData("2024-03-01T01:30:00+02:00")] // an offset: the literal is in UTC
    [InlineData("2106-02-07T06:28:15+00:00")] // the last second a DateTime holds
    public async Task LiteralDateTime_InRange_SameUnixSeconds(string text)
    {
        var value = DateTimeOffset.Parse(text, CultureInfo.InvariantCulture);

        var row = Assert.Single(await _client.QueryAsync($"SELECT toString(toUnixTimestamp({SqlText.Literal(value)})) AS v"));

        Assert.Equal(value.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), row.GetProperty("v").GetString());
    }

    [Fact]
    public void LiteralDateTime_SubSecond_WholeUnixSeconds()
    {
        var value = DateTimeOffset.FromUnixTimeSeconds(1704164645).AddMilliseconds(999);

        Assert.Equal("toDateTime(1704164645)", SqlText.Literal(value));
    }

    [Theory]
    [InlineData("1969-12-31T23:59:59+00:00")]
    [InlineData("2106-02-07T06:28:16+00:00")]
    public void LiteralDateTime_OutOfRange_Throws(string text)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SqlText.Literal(DateTimeOffset.Parse(text, CultureInfo.InvariantCulture)));
    }

    [Theory]
    [InlineData("events", true)]
    [InlineData("_private", true)]
    [InlineData("t_0123abcd", true)]
    [InlineData("", false)]
    [InlineData("1st", false)]
    [InlineData("two words", false)]
    [InlineData("db.table", false)]
    [InlineData("x;DROP", false)]
    [InlineData("`quoted`", false)]
    [InlineData("ünï", false)]
    public void IsIdentifier_Name_MatchesStrictPattern(string name, bool expected)
    {
        Assert.Equal(expected, SqlText.IsIdentifier(name));
    }

    [Fact]
    public void Identifier_Invalid_ThrowsNamingTheValue()
    {
        var error = Assert.Throws<ArgumentException>(() => SqlText.Identifier("events; DROP TABLE x"));

        Assert.Contains("'events; DROP TABLE x'", error.Message, StringComparison.Ordinal);
    }

    private async Task AssertRoundTripAsync(string value)
    {
        var literal = SqlText.Literal(value);

        var row = Assert.Single(await _client.QueryAsync($"SELECT {literal} AS v, hex({literal}) AS h"));

        Assert.Equal(Convert.ToHexString(Encoding.UTF8.GetBytes(value)), row.GetProperty("h").GetString());
        Assert.Equal(value, row.GetProperty("v").GetString());
    }
}
