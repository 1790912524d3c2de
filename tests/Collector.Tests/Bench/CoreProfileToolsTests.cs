using System.Text.Json;
using Collector.Tests.Infrastructure;

namespace Collector.Tests.Bench;

/// <summary>
/// The bench tools of issue 16's core profile against a real ClickHouse, briefly: the load tool writes the freshness
/// trend the "no growing backlog" goal and the capacity search read, and bench/ClickHouseInsert measures ClickHouse's
/// own insert rate into the collector's schema with batches of the batcher's size, then leaves no database behind.
/// </summary>
[Collection("clickhouse")]
public sealed class CoreProfileToolsTests(ClickHouseFixture fixture) : IDisposable
{
    private readonly TempDirectory _data = new("core-profile-tools");
    private readonly string _database = $"t_{Guid.NewGuid():N}";

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task LoadTool_CollectorWithClickHouse_WritesFreshnessTrendWithoutGrowingBacklog()
    {
        using var collector = await CollectorProcess.StartAsync(
            Path.Combine(_data.Path, "collector"), "--clickhouse-url", fixture.Server.Url.ToString(), "--clickhouse-database", _database);

        var run = await LoadToolRun.RunAsync(
            Path.Combine(_data.Path, "out"),
            "--target", collector.GrpcUri.ToString(), "--rate", "2000", "--duration", "4", "--warm-up", "1", "--batch", "100", "--quiet",
            "--clickhouse-url", fixture.Server.Url.ToString(), "--clickhouse-database", _database, "--freshness-wait", "15");

        Assert.True(run.ExitCode == 0, run.Describe());
        var summary = run.Summary;
        var ackedBatches = summary.GetProperty("ack_latency_ms").GetProperty("batches").GetInt64();
        Assert.Equal(ackedBatches, summary.GetProperty("freshness_ms").GetProperty("batches").GetInt64());
        var backlog = summary.GetProperty("freshness_backlog");
        Assert.True(!backlog.GetProperty("growing").GetBoolean(), run.Describe());
        Assert.Equal(1.5, backlog.GetProperty("window_s").GetDouble());
        Assert.Equal(1, backlog.GetProperty("first_from_s").GetDouble());
        Assert.Equal(2.5, backlog.GetProperty("last_from_s").GetDouble());
        Assert.Equal(0, backlog.GetProperty("last_unseen").GetInt32());
        var series = summary.GetProperty("freshness_series").EnumerateArray().ToList();
        Assert.True(series.Count >= 4, run.Describe());
        Assert.Equal(ackedBatches, series.Sum(s => s.GetProperty("batches").GetInt64()));
        Assert.Contains("no growing backlog", File.ReadAllText(Path.Combine(run.OutputDirectory, "summary.md")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClickHouseInsert_ShortRun_WritesInsertRateOfBatcherSizedBatchesAndDropsItsDatabase()
    {
        var output = Path.Combine(_data.Path, "clickhouse-insert.json");

        var dll = BenchToolProcess.Dll("ClickHouseInsert", "Collector.Bench.ClickHouseInsert");
        var (exitCode, stdout, stderr) = await BenchToolProcess.RunAsync(dll, [fixture.Server.Url.ToString(), _database, "1", output], TimeSpan.FromSeconds(120));

        var text = $"exit {exitCode}\nstdout:\n{stdout}\nstderr:\n{stderr}";
        Assert.True(exitCode == 0, text);
        using var json = JsonDocument.Parse(File.ReadAllText(output));
        var root = json.RootElement;
        Assert.True(root.GetProperty("rows_per_s").GetDouble() > 0, text);
        Assert.Equal(root.GetProperty("rows_per_s").GetDouble(), root.GetProperty("one_in_flight").GetProperty("rows_per_s").GetDouble());
        Assert.True(root.GetProperty("two_in_flight").GetProperty("inserts").GetInt64() >= 1, text);
        Assert.Equal(150, root.GetProperty("event_bytes").GetInt32());

        // Cut as the batcher cuts: at 100,000 rows or once past 16 MiB, whichever comes first.
        var rows = root.GetProperty("batch_rows").GetDouble();
        var bytes = root.GetProperty("batch_bytes").GetDouble();
        Assert.True(rows == 100_000 || (bytes >= 16 * 1024 * 1024 && rows < 100_000), text);
        using var client = fixture.Server.CreateClient("default");
        var databases = await client.QueryAsync($"SELECT name FROM system.databases WHERE name = '{_database}'");
        Assert.Empty(databases);
    }
}
