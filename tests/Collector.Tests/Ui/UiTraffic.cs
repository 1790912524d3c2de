using System.Globalization;
using Collector.Protocol.Telemetry.V1;
using Collector.Tests.Infrastructure;

namespace Collector.Tests.Ui;

/// <summary>
/// What the UI tests send: a stored history for the stored-telemetry view (THOUGHT_LATENCY of four models over the last
/// 14 days, one of them slower in the last week) and a background sender that streams other events (HEARTBEAT from
/// component "load") while the page is watched, so the live figures move but the efficiency ranking stays put.
/// </summary>
internal static class UiTraffic
{
    public static readonly string[] Models = ["llama3:8b", "gemma2:27b", "mistral:7b", "qwen2:14b"];

    /// <summary>Sends the history; returns how many events were accepted.</summary>
    public static Task<long> SendHistoryAsync(Uri target)
    {
        var now = DateTimeOffset.UtcNow;
        var batches = new List<EventBatch>();
        ulong sequence = 1;
        for (var day = 0; day < 14; day++)
        {
            var batch = new EventBatch { SourceId = "ui-history", FirstSequence = sequence };
            for (var m = 0; m < Models.Length; m++)
            {
                for (var i = 0; i < 20; i++)
                {
                    // Day 0 at minutes ago (inside the 24 h efficiency window), the others at noon-ish of earlier days.
                    var time = day == 0 ? now.AddMinutes(-5 - i) : now.AddDays(-day).AddMinutes(-i);
                    var slower = m == 3 && day < 7 ? 1.6 : 1.0;
                    batch.Events.Add(Thought(time, Models[m], (10 + (m * 6) + (i % 5) + day) * slower, (uint)(40 + (i * 3)), i));
                }
            }

            sequence += (ulong)batch.Events.Count;
            batches.Add(batch);
        }

        return EventStreamer.SendBatchesAsync(target, batches);
    }

    /// <summary>Streams HEARTBEAT events (about 2,000 a second) until <paramref name="stop"/>; returns how many were accepted.</summary>
    public static async Task<long> StreamLoadAsync(Uri target, CancellationToken stop)
    {
        long accepted = 0;
        ulong sequence = 1;
        while (!stop.IsCancellationRequested)
        {
            var batches = new List<EventBatch>();
            for (var b = 0; b < 2; b++)
            {
                var batch = new EventBatch { SourceId = "ui-load", FirstSequence = sequence };
                for (var i = 0; i < 100; i++)
                {
                    var e = Events.Valid(i);
                    e.EventType = "HEARTBEAT";
                    e.Component = "load";
                    e.TimeUnixNano = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
                    batch.Events.Add(e);
                }

                sequence += 100;
                batches.Add(batch);
            }

            accepted += await EventStreamer.SendBatchesAsync(target, batches);
            try
            {
                await Task.Delay(100, stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return accepted;
    }

    private static Event Thought(DateTimeOffset time, string model, double msPerToken, uint tokens, int i)
    {
        var e = Events.Valid(i);
        e.TimeUnixNano = (ulong)time.ToUnixTimeMilliseconds() * 1_000_000;
        e.Component = model;
        e.Value = msPerToken;
        e.TokensGenerated = tokens;
        e.Message = string.Create(CultureInfo.InvariantCulture, $"{model} answered in {msPerToken:F1} ms/token");
        return e;
    }
}
