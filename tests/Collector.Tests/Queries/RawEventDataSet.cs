using Collector.Protocol.Telemetry.V1;
using Google.Protobuf;
using TelemetryCollector = Collector.Protocol.Telemetry.V1.Collector;

namespace Collector.Tests.Queries;

/// <summary>One generated event with every field the raw read API returns.</summary>
internal sealed record RawEvent(
    string SourceId,
    ulong Sequence,
    ulong TimeNs,
    string EventType,
    string Component,
    double Value,
    string Status,
    int Severity,
    string Message,
    string Service,
    string CorrelationId,
    uint Tokens,
    uint PromptTokens,
    IReadOnlyDictionary<string, string> Attributes,
    string Origin,
    IReadOnlyList<string> Path,
    string TrustLevel,
    string TraceId,
    string SpanId)
{
    public (string, ulong) Id => (SourceId, Sequence);

    public Event ToProto()
    {
        var e = new Event
        {
            TimeUnixNano = TimeNs,
            EventType = EventType,
            Component = Component,
            Value = Value,
            Status = Status,
            Severity = (Severity)Severity,
            Message = Message,
            Service = Service,
            CorrelationId = CorrelationId,
            TokensGenerated = Tokens,
            PromptTokens = PromptTokens,
            Provenance = new Provenance { Origin = Origin, TrustLevel = TrustLevel, Path = { Path } },
            TraceId = ByteString.CopyFrom(Convert.FromHexString(TraceId)),
            SpanId = ByteString.CopyFrom(Convert.FromHexString(SpanId)),
        };
        foreach (var (key, value) in Attributes)
        {
            e.Attributes[key] = value;
        }

        return e;
    }
}

/// <summary>
/// A deterministic set of raw events relative to one "now", for the read API: groups of four events share one
/// ts_ns (so page boundaries fall between equal times), the groups' ages grow quadratically to 8 days (so every time
/// slice of the read has events, and most have few), and two events lie 3 h in the future. Fields cycle with
/// different periods so that every filter, and their combinations, select different subsets.
/// </summary>
internal static class RawEventDataSet
{
    public const int Count = 362;

    public static readonly string[] Sources = ["src-a", "src-b", "src-c"];

    public static readonly string[] EventTypes = ["THOUGHT_LATENCY", "LOAD_LATENCY", "CACHE_HIT"];

    public static readonly string[] Components = ["llama3:8b", "gemma2:27b", "it's \\ odd"];

    public static readonly string[] Messages = ["Model loaded", "cache MISS for key über", "Timeout talking to ÜBER upstream", "it's \\ \"quoted\"", "ok"];

    public static List<RawEvent> Generate(DateTimeOffset now, int count = Count, ulong firstSequence = 1)
    {
        var nowNs = (ulong)now.ToUnixTimeMilliseconds() * 1_000_000UL;
        var events = new List<RawEvent>(count);
        var sequences = Sources.ToDictionary(s => s, _ => firstSequence - 1);
        for (var i = 0; i < count; i++)
        {
            var group = i / 4;
            var time = i >= count - 2
                ? nowNs + (3UL * 3600 * 1_000_000_000UL)
                : nowNs - ((ulong)(group * group) * 90UL * 1_000_000_000UL) - 123_456_789UL;
            var source = Sources[i % 3];
            string[] path = (i % 5) switch
            {
                0 => ["edge-1"],
                1 => ["edge-1", "regional-2"],
                2 => ["edge-2"],
                _ => [],
            };
            var attributes = new Dictionary<string, string>(StringComparer.Ordinal) { ["gpu"] = i % 2 == 0 ? "a100" : "h100", ["i"] = $"{i}" };
            if (i % 7 == 0)
            {
                attributes["quote'key"] = "värde \"x\"";
            }

            events.Add(new RawEvent(
                source,
                ++sequences[source],
                time,
                EventTypes[i % 3],
                Components[(i / 3) % 3],
                i * 0.25,
                i % 11 == 0 ? "error" : "ok",
                i % 7,
                Messages[i % Messages.Length],
                i % 2 == 0 ? "api" : "worker",
                $"req-{i / 6}",
                (uint)(i % 50),
                (uint)(i % 30),
                attributes,
                $"device:{i % 4}",
                path,
                (i / 2) % 2 == 0 ? "verified_company" : "self_reported",
                i % 4 == 0 ? $"{i / 8:x8}0000000000000000abcdef01" : string.Empty,
                i % 3 == 0 ? $"{i:x8}12345678" : string.Empty));
        }

        return events;
    }

    /// <summary>Sends each source's events in order of sequence, in batches of 50.</summary>
    public static async Task SendAsync(TelemetryCollector.CollectorClient client, IEnumerable<RawEvent> events)
    {
        foreach (var source in events.GroupBy(e => e.SourceId))
        {
            foreach (var chunk in source.OrderBy(e => e.Sequence).Chunk(50))
            {
                var batch = new EventBatch { SourceId = source.Key, FirstSequence = chunk[0].Sequence };
                batch.Events.Add(chunk.Select(e => e.ToProto()));
                var ack = await client.SendAsync(batch);
                Assert.True(ack.Rejections.Count == 0, string.Join("; ", ack.Rejections.Select(r => r.Reason)));
                Assert.Equal((uint)chunk.Length, ack.Accepted);
            }
        }
    }
}
