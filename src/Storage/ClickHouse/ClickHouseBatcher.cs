using System.Globalization;
using Collector.Storage.Log;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Collector.Storage.ClickHouse;

/// <summary>
/// Moves the durable log into ClickHouse through its own persisted cursor "clickhouse": reads committed entries,
/// cuts them into inserts (rows, bytes or time, whichever comes first), inserts them as RowBinary, and only then
/// completes the cursor. Exactly once across crashes: every row carries its entry's log address, and at start
/// the batcher skips the entries the last run inserted but had not yet marked done.
/// </summary>
public sealed class ClickHouseBatcher(
    DurableLog log,
    ClickHouseClient client,
    ClickHouseSchema schema,
    ClickHouseBatcherOptions options,
    ClickHouseBatcherCounters counters,
    LogConsumers consumers,
    DeadLetterFile deadLetters,
    ILogger<ClickHouseBatcher> logger) : BackgroundService
{
    public const string CursorName = "clickhouse";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var retry = new Backoff(options.MinBackoff, options.MaxBackoff);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunAsync(retry, stoppingToken);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException && ex is not OutOfMemoryException)
            {
                // Storing must never stop for good: report, wait, and resume from the persisted cursor.
                counters.Failed(ex.Message);
                var delay = retry.Next();
                ClickHouseLog.BatcherFailed(logger, delay.TotalMilliseconds, ex);
                await Task.Delay(delay, stoppingToken);
            }
        }
    }

    private async Task RunAsync(Backoff retry, CancellationToken stoppingToken)
    {
        await RetryAsync(schema.EnsureAsync, retry, stoppingToken);
        using var cursor = log.OpenCursor(CursorName);
        consumers.Report(CursorName, cursor.CompletedUntilAddress);
        var insertedThrough = await RetryAsync(ct => FindInsertedThroughAsync(cursor.CompletedUntilAddress, ct), retry, stoppingToken);
        var reader = new BatchReader(cursor, new EventRowEncoder(options.Node), options, counters, logger);
        var batch = new RowBatch();
        while (!stoppingToken.IsCancellationRequested)
        {
            if (!await reader.FillAsync(batch, insertedThrough, stoppingToken))
            {
                return;
            }

            if (batch.Rows > 0)
            {
                await InsertRangeAsync(batch, 0, batch.Rows, retry, stoppingToken);
            }

            cursor.CompleteUntil(batch.NextAddress);
            counters.Completed(batch.NextAddress);
            consumers.Report(CursorName, batch.NextAddress);
            batch.Clear();
        }
    }

    /// <summary>The highest entry address already in ClickHouse at or after the cursor (0 if none).</summary>
    private async Task<long> FindInsertedThroughAsync(long completedUntil, CancellationToken cancellationToken)
    {
        var rows = await client.QueryAsync(
            $"SELECT max(log_address) AS inserted FROM {EventsTable.Name} WHERE log_address >= {SqlText.Literal(completedUntil)}",
            cancellationToken);
        var inserted = rows.Count == 0 ? 0 : long.Parse(rows[0].GetProperty("inserted").ToString(), CultureInfo.InvariantCulture);
        if (inserted > 0)
        {
            ClickHouseLog.ResumingAfterInserted(logger, completedUntil, inserted);
        }

        return inserted;
    }

    /// <summary>
    /// Inserts rows [first, first+count). Rows refused as bad data are split in halves until the bad ones stand
    /// alone, and those go to the dead-letter file (a parse error stores nothing). Any other failure may still
    /// have stored rows (a view failing after the table write, a timeout after the server finished), so before
    /// retrying, the batcher asks which entries of the range are in and inserts only the rest.
    /// </summary>
    private async Task InsertRangeAsync(RowBatch batch, int first, int count, Backoff retry, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                await client.InsertRowBinaryAsync(EventsTable.Name, EventsTable.Columns, batch.Slice(first, count), cancellationToken);
                counters.Inserted(count);
                retry.Reset();
                return;
            }
            catch (ClickHouseException ex) when (ex.Kind == ClickHouseErrorKind.BadData)
            {
                counters.Failed(ex.Message);
                if (count == 1)
                {
                    deadLetters.Write(batch.AddressOf(first), ex.Message, batch.Slice(first, 1).Span);
                    counters.DeadLetter();
                    ClickHouseLog.RowDeadLettered(logger, batch.AddressOf(first), ex.Message);
                    return;
                }

                var half = count / 2;
                await InsertRangeAsync(batch, first, half, retry, cancellationToken);
                await InsertRangeAsync(batch, first + half, count - half, retry, cancellationToken);
                return;
            }
            catch (ClickHouseException ex)
            {
                counters.Failed(ex.Message);
                var delay = retry.Next();
                ClickHouseLog.InsertFailed(logger, count, delay.TotalMilliseconds, ex);
                await Task.Delay(delay, cancellationToken);
                if (ex.Kind == ClickHouseErrorKind.Schema)
                {
                    // Someone dropped a table (or the database): put the schema back before retrying.
                    await RetryAsync(schema.EnsureAsync, retry, cancellationToken);
                }

                var stored = await RetryAsync(ct => StoredEntriesAsync(batch, first, count, ct), retry, cancellationToken);
                if (stored.Count > 0)
                {
                    await InsertMissingAsync(batch, first, count, stored, retry, cancellationToken);
                    return;
                }
            }
        }
    }

    /// <summary>Inserts the runs of rows whose entries are not (wholly) in ClickHouse yet.</summary>
    private async Task InsertMissingAsync(RowBatch batch, int first, int count, Dictionary<long, long> stored, Backoff retry, CancellationToken cancellationToken)
    {
        var end = first + count;
        var row = first;
        while (row < end)
        {
            var address = batch.AddressOf(row);
            var entryEnd = row;
            while (entryEnd < end && batch.AddressOf(entryEnd) == address)
            {
                entryEnd++;
            }

            var rows = entryEnd - row;
            if (stored.TryGetValue(address, out var present) && present >= rows)
            {
                counters.Inserted(rows);
            }
            else
            {
                if (present > 0)
                {
                    // Part of one entry is in: a failure between partitions. Losing rows is worse than repeating some.
                    ClickHouseLog.PartialEntry(logger, address, present, rows);
                }

                var runEnd = entryEnd;
                while (runEnd < end && !(stored.TryGetValue(batch.AddressOf(runEnd), out var n) && n > 0))
                {
                    runEnd++;
                }

                await InsertRangeAsync(batch, row, runEnd - row, retry, cancellationToken);
                entryEnd = runEnd;
            }

            row = entryEnd;
        }
    }

    /// <summary>How many rows of each entry in rows [first, first+count) ClickHouse already has.</summary>
    private async Task<Dictionary<long, long>> StoredEntriesAsync(RowBatch batch, int first, int count, CancellationToken cancellationToken)
    {
        var rows = await client.QueryAsync(
            $"SELECT log_address, count() AS n FROM {EventsTable.Name} WHERE log_address >= {SqlText.Literal(batch.AddressOf(first))} AND log_address <= {SqlText.Literal(batch.AddressOf(first + count - 1))} GROUP BY log_address",
            cancellationToken);
        return rows.ToDictionary(
            r => long.Parse(r.GetProperty("log_address").ToString(), CultureInfo.InvariantCulture),
            r => long.Parse(r.GetProperty("n").ToString(), CultureInfo.InvariantCulture));
    }

    private async Task<T> RetryAsync<T>(Func<CancellationToken, Task<T>> action, Backoff retry, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                var result = await action(cancellationToken);
                retry.Reset();
                return result;
            }
            catch (ClickHouseException ex)
            {
                counters.Failed(ex.Message);
                var delay = retry.Next();
                ClickHouseLog.CallFailed(logger, delay.TotalMilliseconds, ex);
                await Task.Delay(delay, cancellationToken);
            }
        }
    }

    private Task<bool> RetryAsync(Func<CancellationToken, Task> action, Backoff retry, CancellationToken cancellationToken) =>
        RetryAsync(
            async ct =>
            {
                await action(ct);
                return true;
            },
            retry,
            cancellationToken);
}
