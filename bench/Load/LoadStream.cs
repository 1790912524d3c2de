using System.Diagnostics;
using System.Threading.Channels;
using Collector.Protocol.Telemetry.V1;
using Grpc.Core;

namespace Collector.Bench.Load;

/// <summary>
/// One stream of the load: writes its batches (on schedule in an open loop, as the window allows in a closed
/// one) and times each from write to Ack. A failed call is counted and replaced by a new one until the run ends;
/// sequences go on where they stopped. Calls go through <paramref name="calls"/> (one connection's channel) with
/// <paramref name="headers"/>.
/// </summary>
internal sealed class LoadStream(CallInvoker calls, Metadata? headers, LoadOptions options, LoadPayload payload, LoadCounters counters, int index, long? events)
{
    // Batches a stream may have unacknowledged in an open loop before it stops to wait (the collector is far behind).
    private const int OpenLoopInFlight = 65_536;
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(200);

    private readonly SendSchedule? _schedule = options.IsClosedLoop
        ? null
        : new SendSchedule(options.Rate / options.TotalStreams, options.RampUp, options.BatchSize, (double)index / options.TotalStreams);

    private long _sentEvents;

    public string SourceId { get; } = $"load-{index}-{Guid.NewGuid():N}";

    /// <summary>For each acknowledged batch: its last sequence and when its Ack arrived; kept only for the freshness probe.</summary>
    public List<(ulong LastSequence, long AckTimestamp)>? Acks { get; init; }

    public async Task RunAsync(long startTimestamp)
    {
        var batches = new BatchBuffer(payload, SourceId);
        while (HasMoreToSend(startTimestamp))
        {
            if (!await RunCallAsync(batches, startTimestamp) && HasMoreToSend(startTimestamp))
            {
                await Task.Delay(RetryDelay);
            }
        }
    }

    private bool HasMoreToSend(long startTimestamp) =>
        (events is null || _sentEvents < events) && Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds < options.SendSeconds;

    /// <summary>One call: returns false when it failed.</summary>
    private async Task<bool> RunCallAsync(BatchBuffer batches, long startTimestamp)
    {
        using var cancel = new CancellationTokenSource();
        using var call = calls.AsyncDuplexStreamingCall(EncodedStream.Method, null, new CallOptions(headers, cancellationToken: cancel.Token));
        var inFlight = Channel.CreateBounded<InFlightBatch>(new BoundedChannelOptions(options.IsClosedLoop ? options.Window : OpenLoopInFlight)
        {
            SingleReader = true,
            SingleWriter = true,
        });
        var writing = WriteBatchesAsync(call, batches, inFlight.Writer, startTimestamp, cancel);
        try
        {
            await ReadAcksAsync(call, inFlight.Reader);
            await writing;
            var unacked = CountUnacked(inFlight.Reader);
            if (unacked > 0)
            {
                counters.AddError($"stream {SourceId}: the call ended with OK before the Acks of {unacked} events", unacked);
                return false;
            }

            return true;
        }
        catch (Exception ex) when (ex is RpcException or IOException or HttpRequestException)
        {
            // Stop the writer (it may wait for window space or flow control) before counting what went unacked.
            inFlight.Writer.TryComplete();
            await cancel.CancelAsync();
            await writing.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);

            // grpc-dotnet reports a failed call as its status, a write on a reset stream or a lost connection as the
            // transport's exception.
            var error = ex is RpcException rpc ? $"{rpc.StatusCode}: {rpc.Status.Detail}" : ex.Message;
            counters.AddError($"stream {SourceId}: {error}", CountUnacked(inFlight.Reader));
            return false;
        }
    }

    private async Task WriteBatchesAsync(AsyncDuplexStreamingCall<EncodedBatch, Ack> call, BatchBuffer batches, ChannelWriter<InFlightBatch> inFlight, long startTimestamp, CancellationTokenSource cancel)
    {
        while (HasMoreToSend(startTimestamp))
        {
            var count = (int)Math.Min(options.BatchSize, (events ?? long.MaxValue) - _sentEvents);
            if (_schedule is not null)
            {
                var due = _schedule.DueSeconds(_sentEvents);
                var wait = TimeSpan.FromSeconds(due) - Stopwatch.GetElapsedTime(startTimestamp);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, cancel.Token);
                    if (!HasMoreToSend(startTimestamp))
                    {
                        break;
                    }
                }

                counters.ScheduleLag.Record((long)Math.Max(0, -wait.TotalMicroseconds));
            }

            // Wait for window space first, so the timestamp is taken just before the write.
            if (!await inFlight.WaitToWriteAsync(cancel.Token))
            {
                return;
            }

            var firstSequence = (ulong)_sentEvents + 1;
            inFlight.TryWrite(new InFlightBatch(Stopwatch.GetTimestamp(), count));
            await call.RequestStream.WriteAsync(new EncodedBatch(batches.Next(firstSequence, count, NowUnixNano())), cancel.Token);
            _sentEvents += count;
            counters.AddSent(count);
        }

        await call.RequestStream.CompleteAsync();

        // The collector owes the remaining Acks; a collector that never sends them must not hang the run.
        cancel.CancelAfter(DrainTimeout);
    }

    private async Task ReadAcksAsync(AsyncDuplexStreamingCall<EncodedBatch, Ack> call, ChannelReader<InFlightBatch> inFlight)
    {
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
            var ack = call.ResponseStream.Current;
            var now = Stopwatch.GetTimestamp();

            // Acks come in order, one per batch, and a batch is recorded before it is written.
            if (!inFlight.TryRead(out var batch))
            {
                throw new RpcException(new Status(StatusCode.Internal, "received an Ack for a batch that was not sent"));
            }

            counters.AckLatency.Record((long)Stopwatch.GetElapsedTime(batch.WrittenTimestamp, now).TotalMicroseconds);
            counters.AddAck(ack.Accepted, ack.Duplicates, ack.Rejections.Count);
            Acks?.Add((ack.DurableThrough, now));
        }
    }

    private static long CountUnacked(ChannelReader<InFlightBatch> inFlight)
    {
        long unacked = 0;
        while (inFlight.TryRead(out var batch))
        {
            unacked += batch.Count;
        }

        return unacked;
    }

    private static ulong NowUnixNano() => (ulong)(DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100;

    private readonly record struct InFlightBatch(long WrittenTimestamp, int Count);
}
