using Collector.Storage.Log;
using Microsoft.Extensions.Logging;

namespace Collector.Storage.ClickHouse;

/// <summary>Fills one insert from the cursor: until it is full, or the first entry in it has waited long enough.</summary>
internal sealed class BatchReader(
    LogCursor cursor,
    EventRowEncoder encoder,
    ClickHouseBatcherOptions options,
    ClickHouseBatcherCounters counters,
    ILogger logger)
{
    /// <summary>False when the log is shutting down and nothing more will come.</summary>
    public async Task<bool> FillAsync(RowBatch batch, CancellationToken stoppingToken)
    {
        DateTimeOffset? deadline = null;
        while (true)
        {
            while (batch.Rows < options.MaxRows && batch.Bytes < options.MaxBytes && cursor.TryRead(out var owner, out var record))
            {
                using (owner)
                {
                    if (encoder.Append(record.Bytes.Span, record.Address, batch) < 0)
                    {
                        counters.Unreadable();
                        ClickHouseLog.UnreadableEntry(logger, record.Address);
                    }

                    batch.NextAddress = record.NextAddress;
                }

                deadline ??= DateTimeOffset.UtcNow + options.MaxDelay;
            }

            if (batch.Rows >= options.MaxRows || batch.Bytes >= options.MaxBytes)
            {
                return true;
            }

            if (deadline is { } due)
            {
                var remaining = due - DateTimeOffset.UtcNow;
                if (remaining <= TimeSpan.Zero || !await WaitAsync(remaining, stoppingToken))
                {
                    return true;
                }
            }
            else if (!await cursor.WaitAsync(stoppingToken))
            {
                return false;
            }
        }
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
