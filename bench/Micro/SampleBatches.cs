using System.Globalization;
using Collector.Protocol.Telemetry.V1;
using Google.Protobuf;

namespace Collector.Bench.Micro;

/// <summary>Encoded batches of events shaped like our users' (about 150 bytes, three attributes).</summary>
internal static class SampleBatches
{
    public const string SourceId = "bench-node-01";
    public const ulong FirstSequence = 1_000;

    public static Event Event(int i) => new()
    {
        TimeUnixNano = 1_750_000_000_000_000_000UL + (ulong)i,
        EventType = "INFERENCE",
        Component = "gemma2:27b",
        Value = 12.5 + i,
        Status = "ok",
        Severity = Severity.Info,
        Message = string.Create(CultureInfo.InvariantCulture, $"inference {i:D6} finished in 1250 ms ok"),
        Service = "edge-infer",
        TokensGenerated = 412,
        PromptTokens = 96,
        Attributes =
        {
            ["gpu"] = "0",
            ["region"] = "eu",
            ["request"] = i.ToString("D8", CultureInfo.InvariantCulture),
        },
    };

    public static byte[] Encode(int events)
    {
        var batch = new EventBatch { SourceId = SourceId, FirstSequence = FirstSequence };
        for (var i = 0; i < events; i++)
        {
            batch.Events.Add(Event(i));
        }

        return batch.ToByteArray();
    }
}
