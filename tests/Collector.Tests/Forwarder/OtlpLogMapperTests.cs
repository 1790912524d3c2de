using Collector.Forwarder;
using Collector.Forwarder.Otlp;
using Collector.Forwarder.Otlp.V1;
using Collector.Protocol.Telemetry.V1;
using Google.Protobuf;

namespace Collector.Tests.Forwarder;

public sealed class OtlpLogMapperTests
{
    private const string Node = "edge-7";
    private const ulong Observed = 1_700_000_000_123_456_789;

    private static readonly byte[] TraceId = [0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36];
    private static readonly byte[] SpanId = [0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7];

    [Fact]
    public void Map_FullEvent_EveryFieldMapped()
    {
        var evt = FullEvent();
        var batch = Batch(new SourceRun("device-1", 41) { Events = { evt } });

        var request = OtlpLogMapper.Map(batch, Node, Observed);

        var resourceLogs = Assert.Single(request.ResourceLogs);
        Assert.Equal(
            [(OtlpLogMapper.ServiceNameKey, "checkout"), (OtlpLogMapper.NodeIdKey, Node)],
            resourceLogs.Resource.Attributes.Select(a => (a.Key, a.Value.StringValue)));
        var scopeLogs = Assert.Single(resourceLogs.ScopeLogs);
        Assert.Equal("collector.forwarder", scopeLogs.Scope.Name);
        var record = Assert.Single(scopeLogs.LogRecords);
        Assert.Equal(1_699_999_999_000_000_001ul, record.TimeUnixNano);
        Assert.Equal(Observed, record.ObservedTimeUnixNano);
        Assert.Equal(SeverityNumber.Warn, record.SeverityNumber);
        Assert.Equal("WARN", record.SeverityText);
        Assert.Equal("slow answer", record.Body.StringValue);
        Assert.Equal(TraceId, record.TraceId.ToByteArray());
        Assert.Equal(SpanId, record.SpanId.ToByteArray());
        Assert.Equal(0u, record.DroppedAttributesCount);
        Assert.Equal(0u, record.Flags);
        Assert.Equal(string.Empty, record.EventName);

        var attributes = record.Attributes.ToDictionary(a => a.Key, a => a.Value);
        Assert.Equal(
            [
                "event.type", "component", "value", "status", "correlation_id", "tokens_generated", "prompt_tokens",
                "telemetry.source.id", "telemetry.sequence", "telemetry.provenance.origin", "telemetry.provenance.path",
                "telemetry.provenance.trust_level", "telemetry.provenance.sync_version", "gpu", "region",
            ],
            record.Attributes.Select(a => a.Key));
        Assert.Equal("THOUGHT_LATENCY", attributes["event.type"].StringValue);
        Assert.Equal("gemma2:27b", attributes["component"].StringValue);
        Assert.Equal(AnyValue.ValueOneofCase.DoubleValue, attributes["value"].ValueCase);
        Assert.Equal(812.5, attributes["value"].DoubleValue);
        Assert.Equal("timeout", attributes["status"].StringValue);
        Assert.Equal("req-17", attributes["correlation_id"].StringValue);
        Assert.Equal(120, attributes["tokens_generated"].IntValue);
        Assert.Equal(35, attributes["prompt_tokens"].IntValue);
        Assert.Equal("device-1", attributes["telemetry.source.id"].StringValue);
        Assert.Equal(41, attributes["telemetry.sequence"].IntValue);
        Assert.Equal("device:pixel-7", attributes["telemetry.provenance.origin"].StringValue);
        Assert.Equal(["gateway-2", Node], attributes["telemetry.provenance.path"].ArrayValue.Values.Select(v => v.StringValue));
        Assert.Equal("verified", attributes["telemetry.provenance.trust_level"].StringValue);
        Assert.Equal(3, attributes["telemetry.provenance.sync_version"].IntValue);
        Assert.Equal("0", attributes["gpu"].StringValue);
        Assert.Equal("eu", attributes["region"].StringValue);
    }

    [Theory]
    [InlineData(Severity.Unspecified, 0, "")]
    [InlineData(Severity.Trace, 1, "TRACE")]
    [InlineData(Severity.Debug, 5, "DEBUG")]
    [InlineData(Severity.Info, 9, "INFO")]
    [InlineData(Severity.Warn, 13, "WARN")]
    [InlineData(Severity.Error, 17, "ERROR")]
    [InlineData(Severity.Fatal, 21, "FATAL")]
    [InlineData((Severity)99, 0, "")]
    public void Map_Severity_OtlpNumberAndText(Severity severity, int number, string text)
    {
        var evt = MinimalEvent();
        evt.Severity = severity;

        var record = MapOne(evt);

        Assert.Equal(number, (int)record.SeverityNumber);
        Assert.Equal(text, record.SeverityText);
    }

    [Theory]
    [InlineData(0, 8)]
    [InlineData(15, 8)]
    [InlineData(17, 8)]
    [InlineData(16, 0)]
    [InlineData(16, 7)]
    [InlineData(16, 9)]
    public void Map_IdOfWrongLength_Dropped(int traceLength, int spanLength)
    {
        var evt = MinimalEvent();
        evt.TraceId = ByteString.CopyFrom(Enumerable.Repeat((byte)0xab, traceLength).ToArray());
        evt.SpanId = ByteString.CopyFrom(Enumerable.Repeat((byte)0xcd, spanLength).ToArray());

        var record = MapOne(evt);

        Assert.Equal(traceLength == 16 ? 16 : 0, record.TraceId.Length);
        Assert.Equal(spanLength == 8 ? 8 : 0, record.SpanId.Length);
    }

    [Fact]
    public void Map_AllZeroIds_Dropped()
    {
        var evt = MinimalEvent();
        evt.TraceId = ByteString.CopyFrom(new byte[16]);
        evt.SpanId = ByteString.CopyFrom(new byte[8]);

        var record = MapOne(evt);

        Assert.True(record.TraceId.IsEmpty);
        Assert.True(record.SpanId.IsEmpty);
    }

    [Fact]
    public void Map_EmptyMessage_BodyIsEventType()
    {
        var record = MapOne(MinimalEvent());

        Assert.Equal(AnyValue.ValueOneofCase.StringValue, record.Body.ValueCase);
        Assert.Equal("HEARTBEAT", record.Body.StringValue);
    }

    [Fact]
    public void Map_MinimalEvent_OnlyAlwaysPresentAttributes()
    {
        var record = MapOne(MinimalEvent(), sourceId: string.Empty, firstSequence: 0);

        Assert.Equal(["event.type", "value"], record.Attributes.Select(a => a.Key));
        Assert.Equal(0.0, record.Attributes[1].Value.DoubleValue);
    }

    [Fact]
    public void Map_EmptyService_UnknownService()
    {
        var request = OtlpLogMapper.Map(Batch(new SourceRun("s", 1) { Events = { MinimalEvent() } }), Node, Observed);

        Assert.Equal("unknown_service", request.ResourceLogs[0].Resource.Attributes[0].Value.StringValue);
    }

    [Fact]
    public void Map_TwoServices_OneResourceEachInFirstSeenOrder()
    {
        var run = new SourceRun("mixed", 0);
        foreach (var service in new[] { "b", "a", "b", string.Empty, "a" })
        {
            var evt = MinimalEvent();
            evt.Service = service;
            run.Events.Add(evt);
        }

        var request = OtlpLogMapper.Map(Batch(run), Node, Observed);

        Assert.Equal(["b", "a", "unknown_service"], request.ResourceLogs.Select(r => r.Resource.Attributes[0].Value.StringValue));
        Assert.Equal([2, 2, 1], request.ResourceLogs.Select(r => Assert.Single(r.ScopeLogs).LogRecords.Count));
        Assert.All(request.ResourceLogs, r => Assert.Equal(Node, r.Resource.Attributes.Single(a => a.Key == "collector.node.id").Value.StringValue));
        Assert.Equal(5, OtlpLogMapper.CountRecords(request));
    }

    [Fact]
    public void Map_SequencedAndUnsequencedRuns_SequencePerEventAndSourcePerRecord()
    {
        var sequenced = new SourceRun("seq", 100) { Events = { MinimalEvent(), MinimalEvent(), MinimalEvent() } };
        var unsequenced = new SourceRun("loose", 0) { Events = { MinimalEvent() } };

        var records = OtlpLogMapper.Map(Batch(sequenced, unsequenced), Node, Observed).ResourceLogs[0].ScopeLogs[0].LogRecords;

        Assert.Equal([100L, 101L, 102L, null], records.Select(r => r.Attributes.FirstOrDefault(a => a.Key == "telemetry.sequence")?.Value.IntValue));
        Assert.Equal(["seq", "seq", "seq", "loose"], records.Select(r => r.Attributes.Single(a => a.Key == "telemetry.source.id").Value.StringValue));
    }

    [Fact]
    public void Map_AttributeKeyAlreadyMapped_DroppedAndCounted()
    {
        var evt = MinimalEvent();
        evt.Component = "llm";
        evt.Attributes.Add("component", "shadow");
        evt.Attributes.Add("event.type", "shadow");
        evt.Attributes.Add("status", "kept: the event has no status");

        var record = MapOne(evt);

        Assert.Equal(2u, record.DroppedAttributesCount);
        Assert.Equal("llm", record.Attributes.Single(a => a.Key == "component").Value.StringValue);
        Assert.Equal("HEARTBEAT", record.Attributes.Single(a => a.Key == "event.type").Value.StringValue);
        Assert.Equal("kept: the event has no status", record.Attributes.Single(a => a.Key == "status").Value.StringValue);
    }

    [Fact]
    public void Map_EmptyBatch_EmptyRequest()
    {
        var request = OtlpLogMapper.Map(new ForwardBatch(), Node, Observed);

        Assert.Empty(request.ResourceLogs);
        Assert.Equal(0, OtlpLogMapper.CountRecords(request));
    }

    [Fact]
    public void Map_Request_RoundTripsThroughTheWire()
    {
        var request = OtlpLogMapper.Map(Batch(new SourceRun("device-1", 41) { Events = { FullEvent() } }), Node, Observed);

        var parsed = ExportLogsServiceRequest.Parser.ParseFrom(request.ToByteArray());

        Assert.Equal(request, parsed);
    }

    internal static Event FullEvent() => new()
    {
        TimeUnixNano = 1_699_999_999_000_000_001,
        EventType = "THOUGHT_LATENCY",
        Component = "gemma2:27b",
        Value = 812.5,
        Status = "timeout",
        Attributes = { ["gpu"] = "0", ["region"] = "eu" },
        Severity = Severity.Warn,
        Message = "slow answer",
        Service = "checkout",
        CorrelationId = "req-17",
        TokensGenerated = 120,
        PromptTokens = 35,
        Provenance = new Provenance { Origin = "device:pixel-7", Path = { "gateway-2", Node }, TrustLevel = "verified", SyncVersion = 3 },
        TraceId = ByteString.CopyFrom(TraceId),
        SpanId = ByteString.CopyFrom(SpanId),
    };

    private static Event MinimalEvent() => new() { TimeUnixNano = 1, EventType = "HEARTBEAT" };

    private static LogRecord MapOne(Event evt, string sourceId = "s", ulong firstSequence = 1)
    {
        var request = OtlpLogMapper.Map(Batch(new SourceRun(sourceId, firstSequence) { Events = { evt } }), Node, Observed);
        return Assert.Single(Assert.Single(Assert.Single(request.ResourceLogs).ScopeLogs).LogRecords);
    }

    private static ForwardBatch Batch(params SourceRun[] runs)
    {
        var batch = new ForwardBatch();
        batch.Runs.AddRange(runs);
        batch.Events = runs.Sum(r => r.Events.Count);
        return batch;
    }
}
