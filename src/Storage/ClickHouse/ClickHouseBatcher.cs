using System.Diagnostics;
using System.Globalization;
using Collector.Storage.Log;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Collector.Storage.ClickHouse;

/// <summary>
/// Moves the durable log into one ClickHouse table (<see cref="BatcherTable"/>) through that table's own persisted
/// cursor ("clickhouse" for events, "clickhouse.metrics", "clickhouse.spans"): reads committed entries,
/// cuts them into inserts (rows, bytes or time, whichever comes first), inserts them as RowBinary, and only then
/// completes the cursor. An insert streams: its request starts with the first entry, and rows go into the body as
/// they are read, so the batcher holds a chunk of rows and their places, not a whole insert (memory does not grow
/// with the insert size), and ClickHouse parses while the batch fills. When such an insert fails, its entries are
/// read again from the log, which still has them (the cursor has not moved), and checked as below. Exactly once:
/// every row carries its place in the log (log_id, log_address, log_row), and every question about what ClickHouse
/// already has names this log's id, since other logs (an earlier one in a reset data dir, another collector on the
/// same database) use the same addresses. At start
/// the batcher asks for the highest address already stored past its cursor; batches up to there, which the last
/// run may have inserted before it could mark them done, insert only the rows ClickHouse does not have. The
/// same check runs after any failed insert, since a failure does not prove that nothing was stored. An insert that got
/// no answer may even be run by ClickHouse after the check (a hung server goes on with what waited in its sockets), so
/// inserts run in sessions, and the session of an unanswered insert is fenced before the check (see InsertSessions).
///
/// One batcher per table, not one that fans out: each table's exactly-once check, retry, backoff and dead letters stay
/// the single-table logic above, a table that fails (its own schema or bad rows) holds up only its own cursor, and the
/// log is kept up to the slowest cursor (LogConsumers). The price is that every batcher reads every entry; the entries
/// say which signals they hold (EntrySignals), so a batcher steps over entries without its table's events cheaply, and
/// entries that yield no row of its table complete its cursor without an insert (no empty inserts, no sessions used).
/// </summary>
public sealed class ClickHouseBatcher(
    DurableLog log,
    ClickHouseClient client,
    ClickHouseSchema schema,
    BatcherTable table,
    ClickHouseBatcherOptions options,
    ClickHouseBatcherCounters counters,
    LogConsumers consumers,
    DeadLetterFile deadLetters,
    ILogger<ClickHouseBatcher> logger,
    TimeProvider time) : BackgroundService
{
    /// <summary>The events table's cursor, named as before there were others.</summary>
    public const string CursorName = "clickhouse";

    private readonly InsertSessions _sessions = new(log.DataDirectory, log.Identity.Id, time, table.Tag);

    public BatcherTable Table => table;
    private Task _countingBacklog = Task.CompletedTask;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var retry = new Backoff(options.MinBackoff, options.MaxBackoff);
        try
        {
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
                    counters.Failed(ex.Message, ex is ClickHouseException clickHouse ? ClickHouseBatcherCounters.Reason(clickHouse.Kind) : ClickHouseBatcherCounters.InternalReason);
                    var delay = retry.Next();
                    ClickHouseLog.BatcherFailed(logger, table.Name, delay.TotalMilliseconds, ex);
                    await Task.Delay(delay, stoppingToken);
                }
            }
        }
        finally
        {
            await _countingBacklog.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task RunAsync(Backoff retry, CancellationToken stoppingToken)
    {
        using var cursor = log.OpenCursor(table.CursorName);
        consumers.Report(table.CursorName, cursor.CompletedUntilAddress);
        if (!counters.HasCountedUnreadAtOpen && _countingBacklog.IsCompleted)
        {
            // Beside storing, not before it (a large backlog takes a while to read), and whether or not ClickHouse
            // answers: the lag matters most while it is away.
            var from = cursor.CompletedUntilAddress;
            _countingBacklog = Task.Run(() => CountBacklogAtOpenAsync(from, stoppingToken), stoppingToken);
        }

        await RetryAsync(schema.EnsureAsync, retry, stoppingToken);

        // Before anything is checked: the last insert of the run before (this process's or a killed one's) may still be waiting to run.
        await RetryAsync(ct => _sessions.FenceAsync(client, ct), retry, stoppingToken);
        var insertedThrough = await RetryAsync(ct => FindInsertedThroughAsync(cursor.CompletedUntilAddress, ct), retry, stoppingToken);
        var reader = new BatchReader(cursor, table.NewEncoder(options.Node, log.Identity.Id), options, counters, logger);
        var batch = new RowBatch();
        while (!stoppingToken.IsCancellationRequested)
        {
            batch.Clear();
            if (!await reader.WaitAsync(stoppingToken))
            {
                return;
            }

            // What the last run may already have inserted is held whole and checked row by row; past it, rows stream.
            var more = reader.NextAddress <= insertedThrough
                ? await reader.FillAsync(batch, stoppingToken) && await StoreCheckedAsync(batch, insertedThrough, retry, stoppingToken)
                : await StoreStreamedAsync(batch, reader, retry, stoppingToken);
            if (!more)
            {
                return;
            }

            if (batch.NextAddress > 0)
            {
                cursor.CompleteUntil(batch.NextAddress);
                counters.Completed(batch.NextAddress, batch.Events);
                consumers.Report(table.CursorName, batch.NextAddress);
            }
        }
    }

    /// <summary>Inserts one batch held whole, checking row by row where the last run may have inserted it.</summary>
    private async Task<bool> StoreCheckedAsync(RowBatch batch, long insertedThrough, Backoff retry, CancellationToken stoppingToken)
    {
        if (batch.Rows > 0 && batch.AddressOf(0) <= insertedThrough)
        {
            var stored = await RetryAsync(ct => StoredRowsAsync(batch, 0, batch.Rows, ct), retry, stoppingToken);
            await InsertMissingAsync(batch, 0, batch.Rows, stored, retry, stoppingToken);
        }
        else if (batch.Rows > 0)
        {
            await InsertRangeAsync(batch, 0, batch.Rows, retry, stoppingToken);
        }

        return true;
    }

    /// <summary>
    /// Inserts one batch while it is read: the rows go into the request as they are encoded, so only their places are
    /// held. If the insert fails, the batch's entries are read again from the log (the cursor has not moved past them)
    /// and handled as any failed insert: what ClickHouse has is asked, the rest inserted. The insert starts only once an
    /// entry yields a row of this table: entries before that, up to the whole batch, complete with no insert at all.
    /// False when the log is shutting down.
    /// </summary>
    private async Task<bool> StoreStreamedAsync(RowBatch batch, BatchReader reader, Backoff retry, CancellationToken stoppingToken)
    {
        if (!await reader.FillAsync(batch, stoppingToken, untilFirstRow: true))
        {
            return false;
        }

        if (batch.Rows == 0)
        {
            return true;
        }

        var more = true;
        var lastRowSent = 0L;
        using var span = StorageActivity.StartInsert(table.Name, rows: 0);
        try
        {
            await client.InsertRowBinaryStreamAsync(
                table.Name,
                table.Columns,
                async (body, ct) =>
                {
                    more = await reader.FillAsync(batch, ct, body);
                    lastRowSent = Stopwatch.GetTimestamp();
                },
                stoppingToken,
                _sessions.Next());
            span?.SetTag("collector.rows", batch.Rows);
            counters.Inserted(batch.Rows, Stopwatch.GetElapsedTime(lastRowSent));
            retry.Reset();
            return more;
        }
        catch (ClickHouseException ex)
        {
            StorageActivity.Fail(span, ex);
            span?.Stop();
            var held = await ReadAgainAsync(batch, stoppingToken);
            if (!await RecoverAsync(held, 0, held.Rows, ex, retry, stoppingToken))
            {
                await InsertRangeAsync(held, 0, held.Rows, retry, stoppingToken);
            }

            return more;
        }
    }

    /// <summary>The rows of a streamed batch, read again from the log and held whole so they can be checked and sliced.</summary>
    private async Task<RowBatch> ReadAgainAsync(RowBatch streamed, CancellationToken cancellationToken)
    {
        var held = new RowBatch { FirstAddress = streamed.FirstAddress, NextAddress = streamed.NextAddress };
        if (streamed.NextAddress == 0)
        {
            return held;
        }

        var encoder = table.NewEncoder(options.Node, log.Identity.Id);
        await foreach (var record in log.ReadCommittedAsync(streamed.FirstAddress, cancellationToken))
        {
            if (record.Address >= streamed.NextAddress)
            {
                break;
            }

            // An unreadable entry was counted when it was first read; it yields no rows again.
            encoder.Append(record.Bytes.Span, record.Address, held);
        }

        return held;
    }

    private async Task CountBacklogAtOpenAsync(long completedUntil, CancellationToken stoppingToken)
    {
        try
        {
            counters.CountedUnreadAtOpen(await CountEventsBeforeOpenAsync(completedUntil, stoppingToken));
        }
        catch (Exception ex) when (ex is not OperationCanceledException && ex is not OutOfMemoryException)
        {
            // The lag in events stays unreported (never a guess); the next restart of the batcher counts again.
            ClickHouseLog.BacklogCountFailed(logger, ex);
        }
    }

    /// <summary>
    /// Events in the entries between the cursor and where this run's appends began: the part of the lag the log's
    /// append count cannot know. An entry the encoder could not read counts none, as it yields no rows.
    /// </summary>
    private async Task<long> CountEventsBeforeOpenAsync(long completedUntil, CancellationToken cancellationToken)
    {
        long events = 0;
        await foreach (var record in log.ReadCommittedAsync(completedUntil, cancellationToken))
        {
            if (record.Address >= log.OpenedAtAddress)
            {
                break;
            }

            events += CountEvents(record.Bytes.Span);
        }

        return events;
    }

    private static int CountEvents(ReadOnlySpan<byte> entry)
    {
        var reader = new LoggedEventReader(entry);
        var count = 0;
        while (reader.TryReadNext(out _, out _))
        {
            count++;
        }

        return reader.Valid ? count : 0;
    }

    /// <summary>The highest entry address already in ClickHouse at or after the cursor (0 if none).</summary>
    private async Task<long> FindInsertedThroughAsync(long completedUntil, CancellationToken cancellationToken)
    {
        var rows = await client.QueryAsync(
            $"SELECT max(log_address) AS inserted FROM {SqlText.Identifier(table.Name)} WHERE {ThisLog()} AND log_address >= {SqlText.Literal(completedUntil)}",
            cancellationToken);
        var inserted = rows.Count == 0 ? 0 : long.Parse(rows[0].GetProperty("inserted").ToString(), CultureInfo.InvariantCulture);
        if (inserted > 0)
        {
            ClickHouseLog.ResumingAfterInserted(logger, table.Name, completedUntil, inserted);
        }

        return inserted;
    }

    /// <summary>
    /// Inserts rows [first, first+count). A failed insert may still have stored rows (a view failing after the
    /// table write, a timeout after the server finished), so after any failure the batcher first asks which
    /// entries of the range are in and inserts only the rest. If none are in and ClickHouse called the data bad,
    /// the range is split in halves until the bad rows stand alone, and those go to the dead-letter file;
    /// other failures are retried with backoff.
    /// </summary>
    private async Task InsertRangeAsync(RowBatch batch, int first, int count, Backoff retry, CancellationToken cancellationToken)
    {
        while (true)
        {
            using var span = StorageActivity.StartInsert(table.Name, count);
            try
            {
                var started = Stopwatch.GetTimestamp();
                await client.InsertRowBinaryAsync(table.Name, table.Columns, batch.Slice(first, count), cancellationToken, session: _sessions.Next());
                counters.Inserted(count, Stopwatch.GetElapsedTime(started));
                retry.Reset();
                return;
            }
            catch (ClickHouseException ex)
            {
                // The span is the failed attempt; the backoff and recovery that follow are not part of it.
                StorageActivity.Fail(span, ex);
                span?.Stop();
                if (await RecoverAsync(batch, first, count, ex, retry, cancellationToken))
                {
                    return;
                }
            }
        }
    }

    /// <summary>
    /// After a failed insert of rows [first, first+count): waits out the failure, fences an insert that got no answer,
    /// then inserts only what ClickHouse does not have, or isolates the bad rows. False when nothing is in and the
    /// insert is to be tried again as it was.
    /// </summary>
    private async Task<bool> RecoverAsync(RowBatch batch, int first, int count, ClickHouseException ex, Backoff retry, CancellationToken cancellationToken)
    {
        counters.Failed(ex.Message, ClickHouseBatcherCounters.Reason(ex.Kind));
        if (ex.Kind != ClickHouseErrorKind.BadData || count == 0)
        {
            var delay = retry.Next();
            ClickHouseLog.InsertFailed(logger, count, table.Name, delay.TotalMilliseconds, ex);
            await Task.Delay(delay, cancellationToken);
            if (ex.Kind == ClickHouseErrorKind.Schema)
            {
                // Someone dropped a table (or the database): put the schema back before retrying.
                await RetryAsync(schema.EnsureAsync, retry, cancellationToken);
            }
        }

        if (ex.HttpStatus is null)
        {
            // No answer: the insert may still run later, after the check below, unless its session is fenced first.
            await RetryAsync(ct => _sessions.FenceAsync(client, ct), retry, cancellationToken);
        }

        if (count == 0)
        {
            return true;
        }

        var stored = await RetryAsync(ct => StoredRowsAsync(batch, first, count, ct), retry, cancellationToken);
        if (stored.Count > 0)
        {
            await InsertMissingAsync(batch, first, count, stored, retry, cancellationToken);
            return true;
        }

        if (ex.Kind == ClickHouseErrorKind.BadData)
        {
            await IsolateBadRowsAsync(batch, first, count, ex, retry, cancellationToken);
            return true;
        }

        return false;
    }

    private async Task IsolateBadRowsAsync(RowBatch batch, int first, int count, ClickHouseException ex, Backoff retry, CancellationToken cancellationToken)
    {
        if (count == 1)
        {
            deadLetters.Write(table.Name, log.Identity.Id, batch.AddressOf(first), ex.Message, batch.Slice(first, 1).Span);
            counters.DeadLetter();
            ClickHouseLog.RowDeadLettered(logger, table.Name, batch.AddressOf(first), ex.Message);
            return;
        }

        var half = count / 2;
        await InsertRangeAsync(batch, first, half, retry, cancellationToken);
        await InsertRangeAsync(batch, first + half, count - half, retry, cancellationToken);
    }

    /// <summary>Inserts the runs of rows of [first, first+count) that ClickHouse does not have; counts the rest as done.</summary>
    private async Task InsertMissingAsync(RowBatch batch, int first, int count, HashSet<(long Address, uint Row)> stored, Backoff retry, CancellationToken cancellationToken)
    {
        var end = first + count;
        var row = first;
        while (row < end)
        {
            var runStart = row;
            var present = stored.Contains(batch.PlaceOf(row));
            while (row < end && stored.Contains(batch.PlaceOf(row)) == present)
            {
                row++;
            }

            if (present)
            {
                counters.Inserted(row - runStart);
                ClickHouseLog.RowsAlreadyStored(logger, row - runStart, table.Name, batch.AddressOf(runStart), batch.AddressOf(row - 1));
            }
            else
            {
                await InsertRangeAsync(batch, runStart, row - runStart, retry, cancellationToken);
            }
        }
    }

    /// <summary>The places (entry address, row in entry) of the rows of [first, first+count) that ClickHouse already has.</summary>
    private async Task<HashSet<(long Address, uint Row)>> StoredRowsAsync(RowBatch batch, int first, int count, CancellationToken cancellationToken)
    {
        var rows = await client.QueryAsync(
            $"SELECT log_address, log_row FROM {SqlText.Identifier(table.Name)} WHERE {ThisLog()} AND log_address >= {SqlText.Literal(batch.AddressOf(first))} AND log_address <= {SqlText.Literal(batch.AddressOf(first + count - 1))}",
            cancellationToken);
        var places = Enumerable.Range(first, count).Select(batch.PlaceOf).ToHashSet();

        // Only rows of this range: the same entries' other rows may be in from an earlier part of a split.
        return rows
            .Select(r => (long.Parse(r.GetProperty("log_address").ToString(), CultureInfo.InvariantCulture), uint.Parse(r.GetProperty("log_row").ToString(), CultureInfo.InvariantCulture)))
            .Where(places.Contains)
            .ToHashSet();
    }

    /// <summary>
    /// The rows of this log: its id, or no id below the address where a log from before identities adopted one.
    /// </summary>
    private string ThisLog()
    {
        var identity = log.Identity;
        var own = $"log_id = {SqlText.Literal(identity.Id)}";
        return identity.LegacyBelow > 0 ? $"({own} OR (log_id = {SqlText.Literal(string.Empty)} AND log_address < {SqlText.Literal(identity.LegacyBelow)}))" : own;
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
                counters.Failed(ex.Message, ClickHouseBatcherCounters.Reason(ex.Kind));
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
