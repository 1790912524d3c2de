using System.Diagnostics;
using System.Globalization;
using Collector.Protocol.Telemetry.V1;
using Collector.Storage.ClickHouse;
using Collector.Storage.Log;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;

// Batcher throughput into ClickHouse against a plain RowBinary insert of the same rows, in one run.
//   dotnet run -c Release --project bench/Storage -- http://127.0.0.1:8123 1000000 [plain-first|batcher-first]
var url = new Uri(args.Length > 0 ? args[0] : "http://127.0.0.1:8123");
var events = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1_000_000;

// The second measurement runs while ClickHouse still merges the first one's parts: alternate the order.
var batcherFirst = args.Length > 2 && string.Equals(args[2], "batcher-first", StringComparison.Ordinal);
var directory = Path.Combine(Path.GetTempPath(), $"collector-bench-storage-{Guid.NewGuid():N}");
var suffix = Guid.NewGuid().ToString("N")[..8];
try
{
    await using var log = DurableLog.Open(new DurableLogOptions { DataDirectory = directory }, NullLogger.Instance);
    FillLog(log, events);
    await log.CommitAsync();

    double plain, batcher;
    if (batcherFirst)
    {
        batcher = await BatcherAsync(log, url, $"bench_batcher_{suffix}", events);
        plain = await PlainInsertAsync(log, url, $"bench_plain_{suffix}", events);
    }
    else
    {
        plain = await PlainInsertAsync(log, url, $"bench_plain_{suffix}", events);
        batcher = await BatcherAsync(log, url, $"bench_batcher_{suffix}", events);
    }

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{{\"events\":{events},\"plain_rows_per_s\":{plain:F0},\"batcher_rows_per_s\":{batcher:F0},\"ratio\":{batcher / plain:F3}}}"));
}
finally
{
    Directory.Delete(directory, recursive: true);
}

static void FillLog(DurableLog log, int events)
{
    var writer = new LogEntryWriter(1 << 20, 8 << 20);
    var template = new Event
    {
        EventType = "THOUGHT_LATENCY", Component = "gemma2:27b", Status = "ok", Severity = Severity.Info,
        Message = "inference finished in budget", Service = "bench", TokensGenerated = 42, PromptTokens = 7,
        Attributes = { ["gpu"] = "0", ["region"] = "eu", ["k"] = "v" },
    };
    var now = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
    for (var first = 0; first < events; first += 500)
    {
        writer.Begin("bench-source"u8, now);
        for (var i = first; i < Math.Min(events, first + 500); i++)
        {
            var e = template.Clone();
            e.Value = i;
            e.TimeUnixNano = now - ((ulong)(events - i) * 1_000_000);
            writer.TryAdd((ulong)i + 1, e.ToByteArray(), 0);
        }

        log.Append(writer.Finish((ulong)Math.Min(events, first + 500)));
    }
}

// Baseline: the same rows, encoded before the clock starts, inserted 100,000 at a time by the same client.
static async Task<double> PlainInsertAsync(DurableLog log, Uri url, string database, int events)
{
    using var client = new ClickHouseClient(new ClickHouseOptions { Url = url, Database = database });
    await new ClickHouseSchema(client, database).EnsureAsync(default);
    var encoder = new EventRowEncoder("bench", "bench");
    var batches = new List<RowBatch> { new() };
    await foreach (var record in log.ReadCommittedAsync(0))
    {
        if (batches[^1].Rows >= 100_000)
        {
            batches.Add(new RowBatch());
        }

        encoder.Append(record.Bytes.Span, record.Address, batches[^1]);
    }

    var started = Stopwatch.GetTimestamp();
    foreach (var batch in batches)
    {
        await client.InsertRowBinaryAsync(EventsTable.Name, EventsTable.Columns, batch.Slice(0, batch.Rows));
    }

    var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
    await client.ExecuteAsync($"DROP DATABASE {database}", useDatabase: false);
    return events / elapsed;
}

// The batcher as the collector runs it: cursor, encoding, inserts, completion, from the same log.
static async Task<double> BatcherAsync(DurableLog log, Uri url, string database, int events)
{
    using var client = new ClickHouseClient(new ClickHouseOptions { Url = url, Database = database });
    var schema = new ClickHouseSchema(client, database);
    await schema.EnsureAsync(default);
    var counters = new ClickHouseBatcherCounters();
    var options = new ClickHouseBatcherOptions { Node = "bench", MaxDelay = TimeSpan.FromMilliseconds(200) };
    var dead = Path.Combine(Path.GetTempPath(), $"collector-bench-dead-{Guid.NewGuid():N}");

    // Warm the encoder as the baseline's up-front encoding does, so neither side pays for the JIT in the clock.
    var warm = new RowBatch();
    var warmEncoder = new EventRowEncoder("bench", "bench");
    await foreach (var record in log.ReadCommittedAsync(0))
    {
        warmEncoder.Append(record.Bytes.Span, record.Address, warm);
        warm.Clear();
    }

    var batcher = new ClickHouseBatcher(log, client, schema, BatcherTable.Events, options, counters, new LogConsumers(), new DeadLetterFile(dead, TimeProvider.System), NullLogger<ClickHouseBatcher>.Instance, TimeProvider.System);
    var started = Stopwatch.GetTimestamp();
    await batcher.StartAsync(default);
    while (counters.RowsInserted < events)
    {
        await Task.Delay(5);
    }

    var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
    await batcher.StopAsync(default);
    await client.ExecuteAsync($"DROP DATABASE {database}", useDatabase: false);
    return events / elapsed;
}
