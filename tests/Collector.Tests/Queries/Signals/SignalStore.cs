using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Collector.Storage.ClickHouse;
using Collector.Tests.Infrastructure;

namespace Collector.Tests.Queries.Signals;

/// <summary>
/// A real collector on a database of its own in the shared ClickHouse, and rows written straight into its tables
/// (INSERT ... FORMAT JSONEachRow) once the collector has created them: the encoders that will fill metric_points
/// and spans are not here yet, and the read API is checked against what was written.
/// </summary>
internal sealed class SignalStore : IAsyncDisposable
{
    private readonly InProcessCollector _collector;
    private readonly ClickHouseClient _client;

    private SignalStore(InProcessCollector collector, ClickHouseClient client)
    {
        _collector = collector;
        _client = client;
        Http = new HttpClient { BaseAddress = collector.HttpUri };
    }

    public HttpClient Http { get; }

    public static async Task<SignalStore> StartAsync(ClickHouseFixture fixture, string dataDir)
    {
        var database = $"t_{Guid.NewGuid():N}";
        var collector = await InProcessCollector.StartAsync(dataDir, new Dictionary<string, string?>
        {
            ["Collector:ClickHouseUrl"] = fixture.Server.Url.ToString(),
            ["Collector:ClickHouseDatabase"] = database,
        });
        var client = fixture.Server.CreateClient(database);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await SchemaVersionAsync(client) < 4)
        {
            Assert.True(DateTime.UtcNow < deadline, "the collector did not create schema version 4 within 60 s");
            await Task.Delay(100);
        }

        return new SignalStore(collector, client);
    }

    public static ulong Nanos(DateTimeOffset time) => (ulong)(time - DateTimeOffset.UnixEpoch).Ticks * 100;

    public async Task InsertAsync(string table, IEnumerable<IReadOnlyDictionary<string, object?>> rows)
    {
        var body = new StringBuilder($"INSERT INTO {table} FORMAT JSONEachRow\n");
        foreach (var row in rows)
        {
            body.Append(JsonSerializer.Serialize(row)).Append('\n');
        }

        await _client.ExecuteAsync(body.ToString());
    }

    public async Task<JsonElement> GetAsync(string path)
    {
        var (status, body) = await SendAsync(path);
        Assert.True(status == HttpStatusCode.OK, $"{path}: {(int)status} {body}");
        return body;
    }

    public async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(string path)
    {
        using var response = await Http.GetAsync(new Uri(path, UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    public async Task<long> CountAsync(string sql) =>
        long.Parse((await _client.QueryAsync(sql))[0].GetProperty("n").GetString()!, CultureInfo.InvariantCulture);

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        _client.Dispose();
        await _collector.DisposeAsync();
    }

    private static async Task<long> SchemaVersionAsync(ClickHouseClient client)
    {
        try
        {
            var rows = await client.QueryAsync("SELECT max(version) AS v FROM schema_migrations");
            return rows.Count == 0 ? 0 : rows[0].GetProperty("v").GetInt64();
        }
        catch (ClickHouseException)
        {
            return 0;
        }
    }
}
