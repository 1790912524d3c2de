using System.Globalization;
using System.Text.Json;
using Collector.Tests.Infrastructure;

namespace Collector.Tests.Torture;

/// <summary>
/// A core collector storing into a ClickHouse of the test's own, under a sustained load (15,000 events a second) from
/// independent resending senders: the ground of the scenarios that take ClickHouse or a disk away under load. A run goes: load, the fault,
/// the fault ends, the senders finish (so the backlog stops growing), the batcher catches up (timed, see
/// <see cref="CatchUpAsync"/>), and <see cref="ClickHouseOracle"/> reads ClickHouse.
/// </summary>
internal sealed class CoreUnderLoad : IAsyncDisposable
{
    private const int Sources = 3;
    private const int BatchEvents = 200;

    // Each source's steady rate: a sustained load the collector takes with room to spare, so that a backlog is the
    // fault's doing and the catch-up after it is measured, not the senders outrunning ClickHouse.
    private const int EventsPerSecond = 5_000;

    private readonly CancellationTokenSource _stop = new();
    private readonly string _dataDir;
    private readonly string[] _args;
    private Task[] _sending = [];

    private CoreUnderLoad(ClickHouseServer clickHouse, CollectorProcess collector, string database, ResendingSender[] senders, string dataDir, string[] args)
    {
        (ClickHouse, Collector, Database, Senders, _dataDir, _args) = (clickHouse, collector, database, senders, dataDir, args);
    }

    /// <summary>How long a fault lasts: COLLECTOR_TORTURE_OUTAGE_SECONDS, 10 s by default (the full mode runs 60).</summary>
    public static TimeSpan FaultDuration => TimeSpan.FromSeconds(
        int.TryParse(Environment.GetEnvironmentVariable("COLLECTOR_TORTURE_OUTAGE_SECONDS"), out var seconds) && seconds > 0 ? seconds : 10);

    public ClickHouseServer ClickHouse { get; }

    public CollectorProcess Collector { get; private set; }

    /// <summary>The collector's ClickHouse database, fresh for the run.</summary>
    public string Database { get; }

    public IReadOnlyList<ResendingSender> Senders { get; }

    /// <summary>Events acknowledged so far, all senders together.</summary>
    public long Acknowledged => Senders.Sum(sender => (long)sender.Acked);

    public static async Task<CoreUnderLoad> StartAsync(string sourcePrefix, ClickHouseServer clickHouse, string dataDir, params string[] extraArgs)
    {
        var database = $"t_{Guid.NewGuid():N}";
        string[] args = ["--clickhouse-url", clickHouse.Url.ToString(), "--clickhouse-database", database, .. extraArgs];
        var collector = await CollectorProcess.StartAsync(dataDir, args);
        var senders = Enumerable.Range(0, Sources).Select(i => new ResendingSender($"{sourcePrefix}-{i}", BatchEvents, EventsPerSecond) { Target = collector.GrpcUri }).ToArray();
        return new CoreUnderLoad(clickHouse, collector, database, senders, dataDir, args);
    }

    /// <summary>kill -9 of the collector and a start on the same data dir; the senders go on to the new one.</summary>
    public async Task KillAndRestartCollectorAsync()
    {
        await Collector.KillAsync();
        Collector.Dispose();
        Collector = await CollectorProcess.StartAsync(_dataDir, _args);
        foreach (var sender in Senders)
        {
            sender.Target = Collector.GrpcUri;
        }
    }

    public void StartLoad() => _sending = Senders.Select(sender => Task.Run(() => sender.RunAsync(_stop.Token))).ToArray();

    /// <summary>Lets every sender end its stream cleanly (every Ack of what it sent arrives) and stop.</summary>
    public async Task FinishLoadAsync()
    {
        foreach (var sender in Senders)
        {
            sender.Finish();
        }

        await Task.WhenAll(_sending).WaitAsync(TimeSpan.FromSeconds(60));
    }

    /// <summary>Waits until ClickHouse holds at least <paramref name="rows"/> rows: the load goes all the way through.</summary>
    public async Task WaitForStoredAsync(long rows, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (await ClickHouseOracle.CountAsync(ClickHouse, Database) < rows)
        {
            Assert.True(DateTime.UtcNow < deadline, $"fewer than {rows} rows in ClickHouse after {timeout.TotalSeconds} s; {Acknowledged} acknowledged\n{Collector.Output}");
            await Task.Delay(100);
        }
    }

    /// <summary>
    /// Once ClickHouse can take rows again (since <paramref name="back"/>): finishes the load, waits until the batcher
    /// has nothing left to store (its lag is 0), and measures ClickHouse's own insert rate for as many rows, in inserts
    /// as large as the batcher's, to compare.
    /// </summary>
    public async Task<CatchUp> FinishAndCatchUpAsync(DateTime back, TimeSpan timeout)
    {
        var rowsAtBack = await ClickHouseOracle.CountAsync(ClickHouse, Database);
        var start = Inserts(await Collector.HealthAsync());
        await FinishLoadAsync();
        TimeSpan? firstInsert = null;
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var health = await Collector.HealthAsync();
            var now = Inserts(health);
            firstInsert ??= now.Rows > start.Rows ? DateTime.UtcNow - back : null;
            if (health.GetProperty("clickhouse").GetProperty("lag_bytes").GetInt64() == 0)
            {
                var took = DateTime.UtcNow - back;
                var rows = await ClickHouseOracle.CountAsync(ClickHouse, Database) - rowsAtBack;
                var rowsPerInsert = now.Inserts > start.Inserts ? (int)((now.Rows - start.Rows) / (now.Inserts - start.Inserts)) : 1;
                var direct = await ClickHouseInsertRate.MeasureAsync(ClickHouse, Database, rows, rowsPerInsert);
                return new CatchUp(rows, firstInsert ?? took, took, rowsPerInsert, direct);
            }

            Assert.True(DateTime.UtcNow < deadline, $"the batcher did not catch up in {timeout.TotalSeconds} s; last /healthcheck: {health}\n{Collector.Output}");
            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_sending).WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        Collector.Dispose();
        _stop.Dispose();
    }

    private static (long Rows, long Inserts) Inserts(JsonElement health)
    {
        var clickHouse = health.GetProperty("clickhouse");
        return (clickHouse.GetProperty("rows_inserted").GetInt64(), clickHouse.GetProperty("inserts").GetInt64());
    }
}

/// <summary>
/// A batcher's catch-up after an outage: rows stored from ClickHouse's return until its lag was 0, and ClickHouse's
/// own insert rate for as many rows measured right after (<see cref="ClickHouseInsertRate"/>).
/// </summary>
internal sealed record CatchUp(long Rows, TimeSpan FirstInsert, TimeSpan Took, int RowsPerInsert, double DirectRowsPerSecond)
{
    /// <summary>Rows per second from ClickHouse's return, the wait for the batcher's next retry included.</summary>
    public double RowsPerSecond => Rows / Took.TotalSeconds;

    /// <summary>Rows per second from the first insert after the return on.</summary>
    public double InsertingRowsPerSecond => Rows / Math.Max(0.001, (Took - FirstInsert).TotalSeconds);

    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"catch-up {Rows:N0} rows in {Took.TotalSeconds:F1} s = {RowsPerSecond:N0} rows/s (first insert {FirstInsert.TotalSeconds:F1} s after the return, "
        + $"{InsertingRowsPerSecond:N0} rows/s from then, {RowsPerInsert:N0} rows per insert); ClickHouse direct {DirectRowsPerSecond:N0} rows/s; "
        + $"ratio {RowsPerSecond / DirectRowsPerSecond:F2} ({InsertingRowsPerSecond / DirectRowsPerSecond:F2} from the first insert)");
}
