using System.IO.Compression;
using System.Net;
using System.Text;
using Collector.Storage.ClickHouse;
using Collector.Tests.Infrastructure;

namespace Collector.Tests.ClickHouse;

/// <summary>The HTTP client against a real clickhouse-server 18.16: DDL, queries, RowBinary inserts, auth, query id and settings.</summary>
[Collection("clickhouse")]
public sealed class ClickHouseClientTests(ClickHouseFixture fixture)
{
    private ClickHouseServer Server => fixture.Server;

    [Fact]
    public async Task ExecuteAsync_CreateInsertSelect_RowsComeBack()
    {
        using var client = await Server.CreateDatabaseAsync();

        await client.ExecuteAsync("CREATE TABLE kv (k String, v UInt64) ENGINE = MergeTree ORDER BY k");
        await client.ExecuteAsync($"INSERT INTO kv VALUES ({SqlText.Literal("a'b")}, 1), ('c', {SqlText.Literal(ulong.MaxValue)})");
        var rows = await client.QueryAsync("SELECT k, v FROM kv ORDER BY k;");

        Assert.Equal(["a'b", "c"], rows.Select(r => r.GetProperty("k").GetString()));
        Assert.Equal(["1", "18446744073709551615"], rows.Select(r => r.GetProperty("v").GetString()));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task InsertRowBinaryAsync_AllColumnTypes_ReadBackExactly(bool compress)
    {
        using var setup = await Server.CreateDatabaseAsync();
        using var client = new ClickHouseClient(new ClickHouseOptions { Url = Server.Url, Database = setup.Database, CompressRequests = compress });
        await client.ExecuteAsync(SampleRows.CreateTable);
        var longText = new string('x', 10_000);
        var rows = SampleRows.Encode(
            ("héllo 😀 'q' \\ \0", 0, 0.5, 1704164645, ["a", "ünï"]),
            (longText, 1, -1.5e-300, 0, ["", "b"]),
            (string.Empty, ulong.MaxValue, double.MaxValue, uint.MaxValue, []));

        await client.InsertRowBinaryAsync("samples", SampleRows.Columns, rows);

        var read = await client.QueryAsync("SELECT s, n, f, toUnixTimestamp(t) AS t, tags FROM samples ORDER BY n");
        Assert.Equal(3, read.Count);
        Assert.Equal(["héllo 😀 'q' \\ \0", longText, string.Empty], read.Select(r => r.GetProperty("s").GetString()));
        Assert.Equal(["0", "1", "18446744073709551615"], read.Select(r => r.GetProperty("n").GetString()));
        Assert.Equal([0.5, -1.5e-300, double.MaxValue], read.Select(r => r.GetProperty("f").GetDouble()));
        Assert.Equal([1704164645L, 0L, uint.MaxValue], read.Select(r => r.GetProperty("t").GetInt64()));
        Assert.Equal(["a", "ünï"], SampleRows.Strings(read[0].GetProperty("tags")));
        Assert.Equal(["", "b"], SampleRows.Strings(read[1].GetProperty("tags")));
        Assert.Empty(SampleRows.Strings(read[2].GetProperty("tags")));
    }

    [Fact]
    public async Task InsertRowBinaryAsync_LargeGzipBatch_AllRowsStored()
    {
        using var client = await Server.CreateDatabaseAsync();
        await client.ExecuteAsync(SampleRows.CreateTable);
        var rows = SampleRows.Encode(Enumerable.Range(0, 200_000).Select(i => ($"row {i} of a batch that compresses well", (ulong)i, i * 0.5, 1704164645u + (uint)i, new[] { "tag" })).ToArray());

        await client.InsertRowBinaryAsync("samples", SampleRows.Columns, rows);

        var row = Assert.Single(await client.QueryAsync("SELECT count() AS c, sum(n) AS s FROM samples"));
        Assert.Equal("200000", row.GetProperty("c").GetString());
        Assert.Equal("19999900000", row.GetProperty("s").GetString());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task InsertRowBinaryStreamAsync_RowsWrittenInChunksWhileSent_AllStoredOnce(bool compress)
    {
        using var setup = await Server.CreateDatabaseAsync();
        using var client = new ClickHouseClient(new ClickHouseOptions { Url = Server.Url, Database = setup.Database, CompressRequests = compress });
        await client.ExecuteAsync(SampleRows.CreateTable);
        var rows = SampleRows.Encode(Enumerable.Range(0, 50_000).Select(i => ($"streamed row {i}", (ulong)i, i * 0.5, 1704164645u + (uint)i, new[] { "tag" })).ToArray());

        // Odd-sized chunks with pauses: rows cut across writes, as the batcher's chunks cut them.
        await client.InsertRowBinaryStreamAsync("samples", SampleRows.Columns, async (body, ct) =>
        {
            for (var offset = 0; offset < rows.Length; offset += 77_777)
            {
                await body.WriteAsync(rows.AsMemory(offset, Math.Min(77_777, rows.Length - offset)), ct);
                await Task.Delay(5, ct);
            }
        });

        var row = Assert.Single(await client.QueryAsync("SELECT count() AS c, uniqExact(n) AS u, sum(n) AS s FROM samples"));
        Assert.Equal("50000", row.GetProperty("c").GetString());
        Assert.Equal("50000", row.GetProperty("u").GetString());
        Assert.Equal("1249975000", row.GetProperty("s").GetString());
    }

    [Fact]
    public async Task QueryAsync_PasswordUser_Works()
    {
        using var client = Server.CreateClient("default", "collector", ClickHouseServer.CollectorPassword);

        var row = Assert.Single(await client.QueryAsync("SELECT 1 AS one"));

        Assert.Equal(1, row.GetProperty("one").GetInt32());
    }

    [Fact]
    public async Task QueryAsync_QueryIdAndSetting_BothReachTheServer()
    {
        using var client = Server.CreateClient("default");
        var queryId = $"test-{Guid.NewGuid():N}";
        var settings = new Dictionary<string, string>(StringComparer.Ordinal) { ["max_threads"] = "1" };

        // system.processes lists the running query itself.
        var sql = $"SELECT query_id, (SELECT value FROM system.settings WHERE name = 'max_threads') AS threads FROM system.processes WHERE query_id = {SqlText.Literal(queryId)}";
        var row = Assert.Single(await client.QueryAsync(sql, queryId: queryId, settings: settings));

        Assert.Equal(queryId, row.GetProperty("query_id").GetString());
        Assert.Equal("1", row.GetProperty("threads").GetString());
    }

    [Fact]
    public async Task InsertRowBinaryAsync_Request_QueryInUrlGzipBodyCredentialsInHeader()
    {
        using var handler = new CapturingHandler();
        var options = new ClickHouseOptions { Url = new Uri("http://clickhouse.invalid:8123/"), Database = "telemetry", User = "collector", Password = "pa'ss" };
        using var client = new ClickHouseClient(options, handler);
        var rows = SampleRows.Encode(("a", 1, 1.0, 1, []));

        await client.InsertRowBinaryAsync("samples", SampleRows.Columns, rows, queryId: "batch 7");

        var uri = handler.Request!.RequestUri!.AbsoluteUri;
        Assert.Equal("http://clickhouse.invalid:8123/?database=telemetry&query=INSERT%20INTO%20telemetry.samples%20%28s%2C%20n%2C%20f%2C%20t%2C%20tags%29%20FORMAT%20RowBinary&query_id=batch%207", uri);
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("collector:pa'ss")), handler.Request.Headers.Authorization!.ToString());
        Assert.Equal(["gzip"], handler.Request.Content!.Headers.ContentEncoding);
        using var gunzip = new GZipStream(new MemoryStream(handler.Body!), CompressionMode.Decompress);
        using var plain = new MemoryStream();
        await gunzip.CopyToAsync(plain);
        Assert.Equal(rows, plain.ToArray());
    }

    [Fact]
    public async Task InsertRowBinaryAsync_InSession_SessionIdAndTimeoutInUrl()
    {
        using var handler = new CapturingHandler();
        using var client = new ClickHouseClient(new ClickHouseOptions { Url = new Uri("http://clickhouse.invalid:8123/"), Database = "telemetry" }, handler);

        await client.InsertRowBinaryAsync("samples", SampleRows.Columns, SampleRows.Encode(("a", 1, 1.0, 1, [])), session: new ClickHouseSession("collector-log-7", TimeSpan.FromSeconds(1)));
        var insert = handler.Request!.RequestUri!.Query;
        await client.ExecuteAsync("SET readonly = 1", useDatabase: false, session: new ClickHouseSession("collector-log-7"));

        Assert.EndsWith("FORMAT%20RowBinary&session_id=collector-log-7&session_timeout=1", insert, StringComparison.Ordinal);
        Assert.Equal("?session_id=collector-log-7", handler.Request!.RequestUri!.Query);
    }

    [Theory]
    [InlineData("session_id")]
    [InlineData("session_timeout")]
    [InlineData("session_check")]
    public async Task QueryAsync_SessionParameterAsSetting_ArgumentException(string name)
    {
        using var handler = new CapturingHandler();
        using var client = new ClickHouseClient(new ClickHouseOptions { Url = new Uri("http://clickhouse.invalid/") }, handler);

        await Assert.ThrowsAsync<ArgumentException>(() => client.QueryAsync("SELECT 1", settings: new Dictionary<string, string>(StringComparer.Ordinal) { [name] = "x" }));

        Assert.Null(handler.Request);
    }

    [Fact]
    public async Task InsertRowBinaryAsync_InvalidIdentifier_ThrowsBeforeSending()
    {
        using var handler = new CapturingHandler();
        using var client = new ClickHouseClient(new ClickHouseOptions { Url = new Uri("http://clickhouse.invalid/") }, handler);

        await Assert.ThrowsAsync<ArgumentException>(() => client.InsertRowBinaryAsync("samples; DROP TABLE x", ["s"], new byte[1]));
        await Assert.ThrowsAsync<ArgumentException>(() => client.InsertRowBinaryAsync("samples", ["s) SELECT 1 --"], new byte[1]));

        Assert.Null(handler.Request);
    }

    [Fact]
    public void Constructor_CredentialsInUrl_RefusedWithoutEchoingThem()
    {
        var options = new ClickHouseOptions { Url = new Uri("http://collector:hunter2@clickhouse.invalid:8123/") };

        var error = Assert.Throws<ArgumentException>(() => new ClickHouseClient(options));

        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Answers 200 to everything and keeps the last request with its body.</summary>
    private sealed class CapturingHandler : HttpMessageHandler
    {
        public HttpRequestMessage? Request { get; private set; }

        public byte[]? Body { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Request = request;
            Body = request.Content is null ? null : await request.Content.ReadAsByteArrayAsync(cancellationToken);
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(string.Empty) };
        }
    }
}
