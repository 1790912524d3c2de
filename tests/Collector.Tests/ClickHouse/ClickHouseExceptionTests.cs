using Collector.Storage.ClickHouse;

namespace Collector.Tests.ClickHouse;

/// <summary>Error responses as 18.16, newer servers and proxies send them, and the kind each code is given.</summary>
public sealed class ClickHouseExceptionTests
{
    [Fact]
    public void FromResponse_Version18Body_CodeAndBareMessage()
    {
        const string body = "Code: 33, e.displayText() = DB::Exception: Cannot read all data. Bytes read: 2. Bytes expected: 5.: (at row 1)\n, e.what() = DB::Exception\n";

        var error = ClickHouseException.FromResponse(500, codeHeader: null, body);

        Assert.Equal((33, ClickHouseErrorKind.BadData, 500), (error.Code, error.Kind, error.HttpStatus));
        Assert.Equal("Cannot read all data. Bytes read: 2. Bytes expected: 5.: (at row 1)", error.ServerMessage);
        Assert.Equal("ClickHouse error 33 (HTTP 500): Cannot read all data. Bytes read: 2. Bytes expected: 5.: (at row 1)", error.Message);
    }

    [Theory]
    [InlineData(1000, "Code: 1000, e.code() = 28, e.displayText() = File access error: no space left on device: /var/lib/clickhouse/data/telemetry/events/tmp_insert_20261207_4_4_0, e.what() = File access error\n")]
    [InlineData(76, "Code: 76, e.displayText() = DB::ErrnoException: Cannot open file /var/lib/clickhouse/data/telemetry/events/tmp_insert_20261207_3_3_0/path.bin, errno: 28, strerror: No space left on device, e.what() = DB::ErrnoException\n")]
    public void FromResponse_ServerDiskFull_TransientWhateverTheCode(int code, string body)
    {
        // As 18.16 answered inserts once its data dir's file system was full (DiskFullUnderLoadTests); 76 alone is CANNOT_OPEN_FILE, permanent.
        var error = ClickHouseException.FromResponse(500, codeHeader: null, body);

        Assert.Equal((code, ClickHouseErrorKind.Transient), (error.Code, error.Kind));
    }

    [Fact]
    public void FromResponse_NewerServerWithHeader_CodeFromHeaderAndVersionStripped()
    {
        const string body = "Code: 60. DB::Exception: Table telemetry.events does not exist. (UNKNOWN_TABLE) (version 24.3.2.23 (official build))\n";

        var error = ClickHouseException.FromResponse(404, "60", body);

        Assert.Equal((60, ClickHouseErrorKind.Schema), (error.Code, error.Kind));
        Assert.Equal("Table telemetry.events does not exist. (UNKNOWN_TABLE)", error.ServerMessage);
    }

    [Theory]
    [InlineData(502, ClickHouseErrorKind.Transient)]
    [InlineData(503, ClickHouseErrorKind.Transient)]
    [InlineData(429, ClickHouseErrorKind.Transient)]
    [InlineData(403, ClickHouseErrorKind.Permanent)]
    public void FromResponse_ProxyPageWithoutCode_KindFromStatus(int status, ClickHouseErrorKind expected)
    {
        var error = ClickHouseException.FromResponse(status, codeHeader: null, "<html><body>Bad Gateway</body></html>");

        Assert.Equal((-1, expected), (error.Code, error.Kind));
        Assert.Equal("<html><body>Bad Gateway</body></html>", error.ServerMessage);
    }

    [Theory]
    [InlineData(159, ClickHouseErrorKind.Transient)] // TIMEOUT_EXCEEDED
    [InlineData(202, ClickHouseErrorKind.Transient)] // TOO_MANY_SIMULTANEOUS_QUERIES
    [InlineData(241, ClickHouseErrorKind.Transient)] // MEMORY_LIMIT_EXCEEDED
    [InlineData(252, ClickHouseErrorKind.Transient)] // TOO_MANY_PARTS
    [InlineData(373, ClickHouseErrorKind.Transient)] // SESSION_IS_LOCKED: the session's insert still runs (InsertSessions)
    [InlineData(6, ClickHouseErrorKind.BadData)] // CANNOT_PARSE_TEXT
    [InlineData(27, ClickHouseErrorKind.BadData)] // CANNOT_PARSE_INPUT_ASSERTION_FAILED
    [InlineData(53, ClickHouseErrorKind.BadData)] // TYPE_MISMATCH
    [InlineData(354, ClickHouseErrorKind.BadData)] // ZLIB_INFLATE_FAILED
    [InlineData(16, ClickHouseErrorKind.Schema)] // NO_SUCH_COLUMN_IN_TABLE
    [InlineData(81, ClickHouseErrorKind.Schema)] // UNKNOWN_DATABASE
    [InlineData(62, ClickHouseErrorKind.Permanent)] // SYNTAX_ERROR
    [InlineData(193, ClickHouseErrorKind.Permanent)] // WRONG_PASSWORD
    [InlineData(516, ClickHouseErrorKind.Permanent)] // AUTHENTICATION_FAILED (newer servers)
    public void FromResponse_KnownCode_Kind(int code, ClickHouseErrorKind expected)
    {
        var error = ClickHouseException.FromResponse(500, codeHeader: null, $"Code: {code}, e.displayText() = DB::Exception: x, e.what() = DB::Exception");

        Assert.Equal(expected, error.Kind);
    }
}
