using Collector.Storage.ClickHouse;
using Collector.Tests.Infrastructure;

namespace Collector.Tests.ClickHouse;

/// <summary>Every way a request fails against a real clickhouse-server 18.16, and the kind each failure is given.</summary>
[Collection("clickhouse")]
public sealed class ClickHouseErrorTests(ClickHouseFixture fixture)
{
    private ClickHouseServer Server => fixture.Server;

    [Fact]
    public async Task QueryAsync_MissingTable_Code60Schema()
    {
        using var client = await Server.CreateDatabaseAsync();

        var error = await Assert.ThrowsAsync<ClickHouseException>(() => client.QueryAsync("SELECT * FROM nonexist"));

        Assert.Equal(60, error.Code);
        Assert.Equal(ClickHouseErrorKind.Schema, error.Kind);
        Assert.Equal(404, error.HttpStatus);
        Assert.Equal($"Table {client.Database}.nonexist doesn't exist.", error.ServerMessage);
    }

    [Fact]
    public async Task InsertRowBinaryAsync_MissingTableOrColumn_Schema()
    {
        using var client = await Server.CreateDatabaseAsync();
        await client.ExecuteAsync(SampleRows.CreateTable);
        var rows = SampleRows.Encode(("a", 1, 1.0, 1, []));

        var table = await Assert.ThrowsAsync<ClickHouseException>(() => client.InsertRowBinaryAsync("missing", SampleRows.Columns, rows));
        var column = await Assert.ThrowsAsync<ClickHouseException>(() => client.InsertRowBinaryAsync("samples", ["s", "n", "f", "t", "nope"], rows));

        Assert.Equal((60, ClickHouseErrorKind.Schema), (table.Code, table.Kind));
        Assert.Equal((16, ClickHouseErrorKind.Schema), (column.Code, column.Kind));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task InsertRowBinaryAsync_TruncatedRow_BadData(bool compress)
    {
        using var setup = await Server.CreateDatabaseAsync();
        using var client = new ClickHouseClient(new ClickHouseOptions { Url = Server.Url, Database = setup.Database, CompressRequests = compress });
        await client.ExecuteAsync(SampleRows.CreateTable);
        byte[] rows = [0x05, (byte)'h', (byte)'e']; // a 5-byte string cut off after 2 bytes

        var error = await Assert.ThrowsAsync<ClickHouseException>(() => client.InsertRowBinaryAsync("samples", SampleRows.Columns, rows));

        Assert.Equal(ClickHouseErrorKind.BadData, error.Kind);
        Assert.Equal(33, error.Code); // CANNOT_READ_ALL_DATA
        Assert.Empty(await client.QueryAsync("SELECT n FROM samples"));
    }

    [Fact]
    public async Task ExecuteAsync_SyntaxError_Permanent()
    {
        using var client = Server.CreateClient("default");

        var error = await Assert.ThrowsAsync<ClickHouseException>(() => client.ExecuteAsync("CREATE TABEL nope"));

        Assert.Equal((62, ClickHouseErrorKind.Permanent), (error.Code, error.Kind));
    }

    [Fact]
    public async Task ExecuteAsync_DatabaseNotYetCreated_OnlyWithoutDatabaseParameter()
    {
        using var client = Server.CreateClient($"t_{Guid.NewGuid():N}");

        var missing = await Assert.ThrowsAsync<ClickHouseException>(() => client.ExecuteAsync("SELECT 1"));
        await client.ExecuteAsync($"CREATE DATABASE {client.Database}", useDatabase: false);
        await client.ExecuteAsync("SELECT 1");

        Assert.Equal((81, ClickHouseErrorKind.Schema), (missing.Code, missing.Kind));
    }

    [Fact]
    public async Task QueryAsync_WrongPassword_ClearErrorWithoutPassword()
    {
        const string wrong = "wrong-Pa55word-xyz";
        using var client = Server.CreateClient("default", "collector", wrong);

        var error = await Assert.ThrowsAsync<ClickHouseException>(() => client.QueryAsync("SELECT 1"));

        Assert.Equal((193, ClickHouseErrorKind.Permanent, 401), (error.Code, error.Kind, error.HttpStatus));
        Assert.Contains("Wrong password for user collector", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("user")]
    [InlineData("query")]
    [InlineData("max threads")]
    public async Task QueryAsync_ReservedOrInvalidSettingName_ArgumentException(string name)
    {
        using var client = Server.CreateClient("default");
        var settings = new Dictionary<string, string>(StringComparer.Ordinal) { [name] = "x" };

        await Assert.ThrowsAsync<ArgumentException>(() => client.QueryAsync("SELECT 1", settings: settings));
    }

    [Fact]
    public async Task QueryAsync_ServerFailsAfterSendingRows_ThrowsWithItsCode()
    {
        using var client = Server.CreateClient("default");
        var settings = new Dictionary<string, string>(StringComparer.Ordinal) { ["max_block_size"] = "100" };

        // Past ~1 MB the server has already answered 200, so the error arrives at the end of the body.
        var error = await Assert.ThrowsAsync<ClickHouseException>(
            () => client.QueryAsync("SELECT number, throwIf(number = 100000) AS boom FROM system.numbers LIMIT 200000", settings: settings));

        Assert.Equal((395, 200), (error.Code, error.HttpStatus));
    }

    [Fact]
    public async Task QueryAsync_SlowerThanTimeout_Transient()
    {
        using var client = new ClickHouseClient(new ClickHouseOptions { Url = Server.Url, Database = "default", Timeout = TimeSpan.FromMilliseconds(300) });

        var error = await Assert.ThrowsAsync<ClickHouseException>(() => client.QueryAsync("SELECT sleep(2)"));

        Assert.Equal((ClickHouseErrorKind.Transient, -1), (error.Kind, error.Code));
        Assert.IsAssignableFrom<OperationCanceledException>(error.InnerException);
    }

    [Fact]
    public async Task QueryAsync_CallerCancels_OperationCanceled()
    {
        using var client = Server.CreateClient("default");
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.QueryAsync("SELECT sleep(2)", cancel.Token));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ExecuteAsync_ServerDownThenRestarted_TransientThenWorksAgain(bool kill)
    {
        await using var server = await ClickHouseServer.StartAsync();
        using var client = server.CreateClient($"t_{Guid.NewGuid():N}");
        await client.ExecuteAsync($"CREATE DATABASE {client.Database}", useDatabase: false);
        await client.ExecuteAsync("CREATE TABLE kv (k String) ENGINE = MergeTree ORDER BY k");
        await client.ExecuteAsync("INSERT INTO kv VALUES ('kept')");

        await (kill ? server.KillAsync() : server.StopAsync());
        var down = await Assert.ThrowsAsync<ClickHouseException>(() => client.ExecuteAsync("SELECT 1"));
        var pingWhileDown = await client.PingAsync();
        await server.RestartAsync();

        Assert.Equal((ClickHouseErrorKind.Transient, -1, null), (down.Kind, down.Code, down.HttpStatus));
        Assert.IsType<HttpRequestException>(down.InnerException);
        Assert.False(pingWhileDown);
        Assert.True(await client.PingAsync());
        var row = Assert.Single(await client.QueryAsync("SELECT k FROM kv"));
        Assert.Equal("kept", row.GetProperty("k").GetString());
    }
}
