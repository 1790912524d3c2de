using Collector.Storage.Log;
using Microsoft.Extensions.Logging;

namespace Collector.Storage.ClickHouse;

/// <summary>
/// Fills one insert from the cursor: until it is full, or the first entry in it has waited long enough. A streamed
/// insert passes a request body: the rows go on to it whenever a chunk of them is written, and at the end. A batch
/// may be filled in two calls, first until its first row (the entries before it hold none of this table's rows), then
/// into the insert's body; the wait for the first entry counts across both.
/// </summary>
internal sealed class BatchReader(
    LogCursor cursor,
    ILogRowEncoder encoder,
    ClickHouseBatcherOptions options,
    ClickHouseBatcherCounters counters,
    ILogger logger)
{
    /// <summary>How much of a streamed insert is held before it goes on to the request: a few socket writes' worth.</summary>
    public const int SendChunkBytes = 128 * 1024;

    // When the batch being filled is due: its first entry's read time plus the longest delay.
    private DateTimeOffset? _deadline;

    /// <summary>Where the next entry will be read from.</summary>
    public long NextAddress => cursor.NextAddress;

    /// <summary>Waits until there is an entry to read; false when the log is shutting down and nothing more will come.</summary>
    public ValueTask<bool> WaitAsync(CancellationToken stoppingToken) => cursor.WaitAsync(stoppingToken);

    /// <summary>
    /// False when the log is shutting down and nothing more will come. With <paramref name="untilFirstRow"/>, returns
    /// as soon as the batch holds a row, or, holding none, as soon as no committed entry is left to read.
    /// </summary>
    public async Task<bool> FillAsync(RowBatch batch, CancellationToken stoppingToken, Stream? body = null, bool untilFirstRow = false)
    {
        if (batch.Rows == 0 && batch.NextAddress == 0)
        {
            batch.FirstAddress = cursor.NextAddress;
            _deadline = null;
        }

        while (true)
        {
            while (batch.Rows < options.MaxRows && batch.Bytes < options.MaxBytes && cursor.TryRead(out var owner, out var record))
            {
                using (owner)
                {
                    var events = encoder.Append(record.Bytes.Span, record.Address, batch);
                    if (events < 0)
                    {
                        counters.Unreadable();
                        ClickHouseLog.UnreadableEntry(logger, record.Address);
                    }
                    else
                    {
                        batch.Events += events;
                    }

                    batch.NextAddress = record.NextAddress;
                }

                _deadline ??= DateTimeOffset.UtcNow + options.MaxDelay;
                if (body is not null && batch.PendingBytes >= SendChunkBytes)
                {
                    await batch.SendPendingAsync(body, stoppingToken);
                }

                if (untilFirstRow && batch.Rows > 0)
                {
                    return true;
                }
            }

            if (untilFirstRow && batch.Rows == 0)
            {
                // Caught up with nothing for this table: these entries complete without an insert.
                return true;
            }

            if (batch.Rows >= options.MaxRows || batch.Bytes >= options.MaxBytes)
            {
                return await SendRestAsync(batch, body, stoppingToken);
            }

            if (_deadline is { } due)
            {
                var remaining = due - DateTimeOffset.UtcNow;
                if (remaining <= TimeSpan.Zero || !await WaitAsync(remaining, stoppingToken))
                {
                    return await SendRestAsync(batch, body, stoppingToken);
                }
            }
            else if (!await cursor.WaitAsync(stoppingToken))
            {
                return false;
            }
        }
    }

    private static async Task<bool> SendRestAsync(RowBatch batch, Stream? body, CancellationToken stoppingToken)
    {
        if (body is not null)
        {
            await batch.SendPendingAsync(body, stoppingToken);
        }

        return true;
    }

    /// <summary>Waits for more entries up to <paramref name="limit"/>; false when the time is up.</summary>
    private async Task<bool> WaitAsync(TimeSpan limit, CancellationToken stoppingToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(limit);
        try
        {
            return await cursor.WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
