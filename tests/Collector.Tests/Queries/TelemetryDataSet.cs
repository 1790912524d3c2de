using Collector.Protocol.Telemetry.V1;
using TelemetryCollector = Collector.Protocol.Telemetry.V1.Collector;

namespace Collector.Tests.Queries;

internal sealed record GeneratedEvent(string Component, string EventType, DateTimeOffset Time, double Value, uint Tokens)
{
    public bool IsThought => EventType == "THOUGHT_LATENCY";

    public bool IsLoad => EventType == "LOAD_LATENCY";
}

/// <summary>
/// A deterministic data set for the query API relative to one "now": 58 days of history per component (three
/// THOUGHT_LATENCY a day and one LOAD_LATENCY), a dense last 24 h, a sparser day before it, and an unrelated event
/// type. Values are multiples of 0.25 and tokens small integers, so every sum is exact in a double whatever the order.
/// "mistral:7b" is 10 ms/token slower in the last 7 days (degraded); "zero-tokens" reports no tokens.
/// </summary>
internal static class TelemetryDataSet
{
    public const string Degrading = "mistral:7b";
    public const string ZeroTokens = "zero-tokens";
    public const string Odd = "it's \\ \"odd\"";

    public static readonly string[] Components = ["llama3:8b", "gemma2:27b", Degrading, Odd];

    private static readonly double[] Base = [20, 12, 30, 16];

    public static List<GeneratedEvent> Generate(DateTimeOffset now)
    {
        now = DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds());
        var today = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        var events = new List<GeneratedEvent>();
        for (var c = 0; c < Components.Length; c++)
        {
            var component = Components[c];
            for (var age = 1; age <= 58; age++)
            {
                var day = today.AddDays(-age);
                for (var j = 0; j < 3; j++)
                {
                    var tokens = (uint)(10 + (((age * 7) + (j * 13) + c) % 90));
                    events.Add(new(component, "THOUGHT_LATENCY", day.AddHours(3 + (j * 7) + c).AddSeconds(j * 17), Thought(c, age, j), tokens));
                }

                events.Add(new(component, "LOAD_LATENCY", day.AddHours(1 + c).AddMinutes(age), 1.5 + (0.25 * (age % 5)) + c, 0));
            }

            // The last 24 h: every 29 minutes, the oldest 22.75 h ago, far from the window's edge.
            for (var m = 0; m < 48; m++)
            {
                var time = now.AddMinutes(-(2 + (m * 29)));
                var age = (int)(today - new DateTimeOffset(time.UtcDateTime.Date, TimeSpan.Zero)).TotalDays;
                events.Add(new(component, "THOUGHT_LATENCY", time, Thought(c, age, m), (uint)(5 + (((m * 3) + c) % 60))));
            }

            // The day before: inside 48 h, outside 24 h.
            for (var m = 0; m < 10; m++)
            {
                var time = now.AddHours(-24).AddMinutes(-(20 + (m * 120)));
                var age = (int)(today - new DateTimeOffset(time.UtcDateTime.Date, TimeSpan.Zero)).TotalDays;
                events.Add(new(component, "THOUGHT_LATENCY", time, Thought(c, age, m), 7));
            }

            events.Add(new(component, "LOAD_LATENCY", now.AddMinutes(-30 - c), 2.75 + c, 0));
            events.Add(new(component, "CACHE_HIT", now.AddMinutes(-40 - c), 1, 1000));
        }

        for (var m = 0; m < 5; m++)
        {
            events.Add(new(ZeroTokens, "THOUGHT_LATENCY", now.AddMinutes(-(10 + m)), 3.5, 0));
        }

        return events;
    }

    public static async Task SendAsync(TelemetryCollector.CollectorClient client, IReadOnlyList<GeneratedEvent> events)
    {
        ulong sequence = 1;
        foreach (var chunk in events.Chunk(500))
        {
            var batch = new EventBatch { SourceId = "query-data", FirstSequence = sequence };
            foreach (var e in chunk)
            {
                batch.Events.Add(new Event
                {
                    // A fraction of a second on top: ts keeps whole seconds.
                    TimeUnixNano = ((ulong)e.Time.ToUnixTimeSeconds() * 1_000_000_000UL) + 250_000_000UL,
                    EventType = e.EventType,
                    Component = e.Component,
                    Value = e.Value,
                    TokensGenerated = e.Tokens,
                    Severity = Severity.Info,
                });
            }

            var ack = await client.SendAsync(batch);
            Assert.Equal((uint)chunk.Length, ack.Accepted);
            sequence += (ulong)chunk.Length;
        }
    }

    private static double Thought(int component, int age, int j) =>
        Base[component] + (0.25 * ((age + j) % 8)) + (Components[component] == Degrading && age < 7 ? 10 : 0);
}
