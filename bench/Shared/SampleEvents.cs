using Collector.Protocol.Telemetry.V1;
using Google.Protobuf;

namespace Collector.Bench;

/// <summary>The benchmarks' event, shaped like our users' inference events: about 150 bytes with three attributes.</summary>
internal static class SampleEvents
{
    public const string InferenceType = "THOUGHT_LATENCY";
    public const string InferenceComponent = "gemma2:27b";

    public static Event Inference(double value, ulong timeUnixNano, int attributes = 3)
    {
        var e = new Event
        {
            TimeUnixNano = timeUnixNano,
            EventType = InferenceType,
            Component = InferenceComponent,
            Value = value,
            Status = "ok",
            Severity = Severity.Info,
            Message = "inference finished in budget",
            Service = "load",
            TokensGenerated = 42,
            PromptTokens = 7,
            TraceId = ByteString.CopyFrom(new byte[16]),
        };
        for (var a = 0; a < attributes; a++)
        {
            e.Attributes[$"k{a}"] = $"v{a}";
        }

        return e;
    }
}
