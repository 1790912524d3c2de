using System.Diagnostics;
using System.Threading.Channels;
using Collector.Protocol.Telemetry;
using Collector.Protocol.Telemetry.V1;
using Google.Protobuf;

namespace Collector.Bench.Load;

/// <summary>One stream of the load: sends its share of batches and times each from write to ack.</summary>
internal sealed class LoadStream(CollectorClient client, LoadOptions options, int index, long events)
{
    private EventBatch[] _prepared = [];

    public List<double> AckLatenciesMs { get; } = [];

    /// <summary>For each acknowledged batch: its last sequence and when its ack arrived.</summary>
    public List<(ulong LastSequence, long AckTimestamp)> Acks { get; } = [];

    public string SourceId { get; private set; } = string.Empty;

    public long Acked { get; private set; }

    public long Duplicates { get; private set; }

    public long Rejected { get; private set; }

    /// <summary>Builds every batch up front, so building them costs nothing during the timed run.</summary>
    public void Prepare() => _prepared = Prepare((int)((events + options.BatchSize - 1) / options.BatchSize));

    public async Task RunAsync(long startTimestamp)
    {
        var prepared = _prepared;
        var batches = prepared.Length;
        await using var call = client.OpenStream();
        var sent = Channel.CreateBounded<long>(options.Rate > 0 ? 1_000_000 : options.Window);
        var reader = Task.Run(async () =>
        {
            while (await call.ReadNextAsync() is { } ack)
            {
                var sentAt = await sent.Reader.ReadAsync();
                AckLatenciesMs.Add(Stopwatch.GetElapsedTime(sentAt).TotalMilliseconds);
                Acks.Add((ack.DurableThrough, Stopwatch.GetTimestamp()));
                Acked += ack.Accepted;
                Duplicates += ack.Duplicates;
                Rejected += ack.Rejections.Count;
            }
        });

        var perStreamRate = options.Rate / options.Streams;
        for (var b = 0; b < batches; b++)
        {
            if (perStreamRate > 0)
            {
                // Open loop: batch b is due at a fixed time, whatever the acks do.
                var due = TimeSpan.FromSeconds(b * options.BatchSize / perStreamRate);
                var wait = due - Stopwatch.GetElapsedTime(startTimestamp);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait);
                }
            }

            // Closed loop: the bounded channel holds at most Window unacknowledged batches.
            await sent.Writer.WriteAsync(Stopwatch.GetTimestamp());
            await call.WriteAsync(prepared[b]);
        }

        await call.CompleteRequestsAsync();
        await reader;
    }

    private EventBatch[] Prepare(int batches)
    {
        var source = $"load-{index}-{Guid.NewGuid():N}";
        SourceId = source;
        var result = new EventBatch[batches];
        var template = SampleEvents.Inference(0, 0, options.Attributes);
        for (var b = 0; b < batches; b++)
        {
            var batch = new EventBatch { SourceId = source, FirstSequence = (ulong)b * (ulong)options.BatchSize + 1 };
            for (var i = 0; i < options.BatchSize; i++)
            {
                var e = template.Clone();
                e.TimeUnixNano = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
                e.Value = i;
                batch.Events.Add(e);
            }

            result[b] = batch;
        }

        return result;
    }
}
