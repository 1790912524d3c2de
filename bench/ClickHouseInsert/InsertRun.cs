using System.Diagnostics;
using Collector.Storage.ClickHouse;

namespace Collector.Bench.ClickHouseInsert;

/// <summary>
/// Inserts a pool of batches encoded beforehand back to back for a fixed time, <c>inFlight</c> at a time, round robin
/// over the pool, each through the collector's own ClickHouseClient.InsertRowBinaryAsync (gzip on, as the collector
/// sends them). Only whole inserts count: the clock stops when the last insert begun before the deadline has finished.
/// </summary>
internal sealed class InsertRun(ClickHouseClient client, IReadOnlyList<RowBatch> pool, int inFlight, TimeSpan duration)
{
    public sealed record Result(int InFlight, long Inserts, long Rows, long Bytes, double Seconds, double[] InsertMs);

    public async Task<Result> RunAsync(CancellationToken cancellationToken)
    {
        var next = -1;
        long rows = 0, bytes = 0;
        var insertMs = new List<double>();
        var started = Stopwatch.GetTimestamp();
        var deadline = started + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        async Task InsertUntilDeadlineAsync()
        {
            while (Stopwatch.GetTimestamp() < deadline)
            {
                var batch = pool[Interlocked.Increment(ref next) % pool.Count];
                var insertStarted = Stopwatch.GetTimestamp();
                await client.InsertRowBinaryAsync(EventsTable.Name, EventsTable.Columns, batch.Slice(0, batch.Rows), cancellationToken);
                var elapsed = Stopwatch.GetElapsedTime(insertStarted).TotalMilliseconds;
                Interlocked.Add(ref rows, batch.Rows);
                Interlocked.Add(ref bytes, batch.Bytes);
                lock (insertMs)
                {
                    insertMs.Add(elapsed);
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, inFlight).Select(_ => Task.Run(InsertUntilDeadlineAsync, cancellationToken)));
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        return new Result(inFlight, insertMs.Count, rows, bytes, seconds, [.. insertMs.Order()]);
    }
}
