using Collector.Storage.Log;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Collector.Storage.Dedup;

/// <summary>
/// Writes the dedup checkpoint on an interval and once more at shutdown, bounding the log scan at start; then lets
/// the log drop what every consumer has passed.
/// </summary>
public sealed class DedupCheckpointWriter(
    DurableLog log,
    SourceSequences sequences,
    DedupCheckpoint checkpoint,
    DurableLogOptions options,
    LogConsumers consumers,
    ILogger<DedupCheckpointWriter> logger) : BackgroundService
{
    private readonly Lock _writing = new();
    private long _lastWrittenAddress = -1;

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        WriteIfChanged();
    }

    /// <summary>Writes a checkpoint now if the log committed anything since the last one (the timer, the log budget and the stop may ask at once).</summary>
    public void WriteIfChanged()
    {
        lock (_writing)
        {
            WriteIfChangedLocked();
        }
    }

    private void WriteIfChangedLocked()
    {
        if (log.Fault is not null)
        {
            return;
        }

        // Read the address first: the snapshot then reflects at least every entry below it.
        var committed = log.CommittedUntilAddress;
        if (committed == _lastWrittenAddress)
        {
            return;
        }

        try
        {
            checkpoint.Write(committed, sequences.SnapshotDurable(committed));
            _lastWrittenAddress = committed;
            consumers.Report(LogConsumers.Dedup, committed);
        }
        catch (IOException ex)
        {
            StorageLog.CheckpointWriteFailed(logger, ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            StorageLog.CheckpointWriteFailed(logger, ex);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.DedupCheckpointInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                WriteIfChanged();

                // Truncation waits for the next commit; a consumer's cursor may then resume past it, never before.
                if (consumers.SafeTruncationAddress() is { } address)
                {
                    log.TruncateUntil(address);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutdown; StopAsync writes the last checkpoint.
        }
    }
}
