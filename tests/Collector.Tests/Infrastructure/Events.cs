using Collector.Protocol.Telemetry.V1;
using Google.Protobuf;

namespace Collector.Tests.Infrastructure;

/// <summary>Test events shaped like our users' (about 150 bytes, three attributes).</summary>
internal static class Events
{
    // Recent, so that retention (60 days) never drops test data from under a test.
    private static readonly ulong BaseTime = (ulong)DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeMilliseconds() * 1_000_000;

    public static Event Valid(int i) => new()
    {
        TimeUnixNano = BaseTime + (ulong)i,
        EventType = "THOUGHT_LATENCY",
        Component = "gemma2:27b",
        Value = 12.5 + i,
        Status = "ok",
        Severity = Severity.Info,
        Message = $"inference {i} finished",
        Service = "test-service",
        TokensGenerated = 42,
        PromptTokens = 7,
        Attributes = { ["gpu"] = "0", ["region"] = "eu", ["n"] = i.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        TraceId = ByteString.CopyFrom(new byte[16]),
        SpanId = ByteString.CopyFrom(new byte[8]),
    };

    public static EventBatch Batch(string sourceId, ulong firstSequence, int count, int offset = 0)
    {
        var batch = new EventBatch { SourceId = sourceId, FirstSequence = firstSequence };
        for (var i = 0; i < count; i++)
        {
            batch.Events.Add(Valid(offset + i));
        }

        return batch;
    }
}
