using Collector.Forwarder;
using Collector.Forwarder.Otlp;
using Collector.Forwarder.Otlp.V1;
using Collector.Host.Otlp;
using Collector.Protocol.Telemetry.V1;
using Collector.Tests.Forwarder;
using Google.Protobuf;

namespace Collector.Tests.Otlp;

public sealed class OtlpEventMapperTests
{
    private static readonly byte[] TraceId = [0x5b, 0x8e, 0xfF, 0xf7, 0x98, 0x03, 0x81, 0x03, 0xd2, 0x69, 0xb6, 0x33, 0x81, 0x3f, 0xc6, 0x0c];
    private static readonly byte[] SpanId = [0xee, 0xe1, 0x9b, 0x7e, 0xc3, 0xc1, 0xb1, 0x74];

    [Fact]
    public void Map_FullRecord_EveryFieldMapped()
    {
        var record = new LogRecord
        {
            TimeUnixNano = 1_700_000_000_000_000_123,
            ObservedTimeUnixNano = 1_700_000_000_500_000_000,
            SeverityNumber = SeverityNumber.Warn2,
            SeverityText = "Warning",
            Body = Text("disk almost full"),
            TraceId = ByteString.CopyFrom(TraceId),
            SpanId = ByteString.CopyFrom(SpanId),
            Flags = 1,
            DroppedAttributesCount = 4,
            EventName = "disk.pressure",
            Attributes = { Attr("mount", Text("/var")), Attr("free_bytes", new AnyValue { IntValue = 1024 }), Attr("correlation_id", Text("req-9")) },
        };
        var request = Request("billing", record, new InstrumentationScope { Name = "Billing.Disk", Version = "2.1.0", Attributes = { Attr("team", Text("infra")) } });
        request.ResourceLogs[0].Resource.Attributes.Add(Attr("host.name", Text("node-3")));

        var mapped = OtlpEventMapper.Map(request);

        Assert.Equal(0, mapped.Rejected);
        var batch = Assert.Single(mapped.Batches);
        Assert.Equal("otlp/billing", batch.SourceId);
        var evt = Assert.Single(batch.Events);
        Assert.Equal(1_700_000_000_000_000_123ul, evt.TimeUnixNano);
        Assert.Equal(Severity.Warn, evt.Severity);
        Assert.Equal("disk almost full", evt.Message);
        Assert.Equal("billing", evt.Service);
        Assert.Equal("disk.pressure", evt.EventType);
        Assert.Equal("req-9", evt.CorrelationId);
        Assert.Equal(TraceId, evt.TraceId.ToByteArray());
        Assert.Equal(SpanId, evt.SpanId.ToByteArray());
        Assert.Equal(
            new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["resource.host.name"] = "node-3",
                ["otel.scope.name"] = "Billing.Disk",
                ["otel.scope.version"] = "2.1.0",
                ["scope.team"] = "infra",
                ["mount"] = "/var",
                ["free_bytes"] = "1024",
            },
            evt.Attributes);
    }

    [Theory]
    [InlineData(0, "", Severity.Unspecified, null)]
    [InlineData(1, "", Severity.Trace, null)]
    [InlineData(4, "TRACE4", Severity.Trace, "TRACE4")]
    [InlineData(5, "DEBUG", Severity.Debug, null)]
    [InlineData(8, "", Severity.Debug, null)]
    [InlineData(9, "Information", Severity.Info, null)]
    [InlineData(12, "info", Severity.Info, null)]
    [InlineData(13, "Warning", Severity.Warn, null)]
    [InlineData(16, "", Severity.Warn, null)]
    [InlineData(17, "Error", Severity.Error, null)]
    [InlineData(20, "", Severity.Error, null)]
    [InlineData(21, "Critical", Severity.Fatal, null)]
    [InlineData(24, "", Severity.Fatal, null)]
    [InlineData(9, "ERROR", Severity.Info, "ERROR")]
    [InlineData(0, "warn", Severity.Warn, null)]
    [InlineData(0, "notice", Severity.Unspecified, "notice")]
    [InlineData(25, "", Severity.Unspecified, null)]
    [InlineData(25, "fatal", Severity.Fatal, null)]
    public void Map_Severity_RangesAndText(int number, string text, Severity expected, string? keptText)
    {
        var evt = MapOne(new LogRecord { SeverityNumber = (SeverityNumber)number, SeverityText = text, Body = Text("x") });

        Assert.Equal(expected, evt.Severity);
        Assert.Equal(keptText, evt.Attributes.GetValueOrDefault(OtlpEventMapper.SeverityTextKey));
    }

    [Fact]
    public void Map_EveryAnyValueKind_BodyAndAttributesAsText()
    {
        var kinds = new (AnyValue Value, string Text)[]
        {
            (Text("plain"), "plain"),
            (new AnyValue { BoolValue = true }, "true"),
            (new AnyValue { IntValue = -9_007_199_254_740_993 }, "-9007199254740993"),
            (new AnyValue { DoubleValue = 0.25 }, "0.25"),
            (new AnyValue { BytesValue = ByteString.CopyFrom(1, 2, 255) }, "AQL/"),
            (new AnyValue { ArrayValue = new ArrayValue { Values = { Text("a"), new AnyValue { IntValue = 2 }, new AnyValue { DoubleValue = double.NaN }, new AnyValue() } } }, """["a",2,"NaN",null]"""),
            (new AnyValue { KvlistValue = new KeyValueList { Values = { Attr("k", new AnyValue { BoolValue = false }), Attr("nested", new AnyValue { KvlistValue = new KeyValueList { Values = { Attr("b", new AnyValue { BytesValue = ByteString.CopyFrom(0) }) } } }) } } }, """{"k":false,"nested":{"b":"AA=="}}"""),
            (new AnyValue(), string.Empty),
        };

        foreach (var (value, text) in kinds)
        {
            var evt = MapOne(new LogRecord { Body = value, Attributes = { Attr("a", value) } });

            Assert.Equal(text, evt.Message);
            Assert.Equal(text, evt.Attributes["a"]);
        }
    }

    [Fact]
    public void Map_BadIds_RecordRejectedOthersKept()
    {
        var request = Request("svc", new LogRecord { Body = Text("good") });
        var records = request.ResourceLogs[0].ScopeLogs[0].LogRecords;
        records.Add(new LogRecord { Body = Text("short trace"), TraceId = ByteString.CopyFrom(1, 2, 3) });
        records.Add(new LogRecord { Body = Text("long span"), TraceId = ByteString.CopyFrom(TraceId), SpanId = ByteString.CopyFrom(new byte[9]) });
        records.Add(new LogRecord { Body = Text("zero ids"), TraceId = ByteString.CopyFrom(new byte[16]), SpanId = ByteString.CopyFrom(new byte[8]) });

        var mapped = OtlpEventMapper.Map(request);

        Assert.Equal(2, mapped.Rejected);
        Assert.Equal("resource_logs[0].scope_logs[0].log_records[1]: trace_id is 3 bytes; it must be 16 bytes", mapped.FirstRejection);
        var events = Assert.Single(mapped.Batches).Events;
        Assert.Equal(["good", "zero ids"], events.Select(e => e.Message));
        Assert.True(events[1].TraceId.IsEmpty);
        Assert.True(events[1].SpanId.IsEmpty);
    }

    [Fact]
    public void Map_RecordOverEventLimits_RejectedWithTheValidatorsReason()
    {
        var request = Request("svc", new LogRecord { Body = Text("ok") });
        var records = request.ResourceLogs[0].ScopeLogs[0].LogRecords;
        records.Add(new LogRecord { Body = Text("x"), Attributes = { Attr("big", Text(new string('v', 257))) } });
        var many = new LogRecord { Body = Text("y") };
        many.Attributes.Add(Enumerable.Range(0, 129).Select(i => Attr($"k{i}", Text("v"))));
        records.Add(many);

        var mapped = OtlpEventMapper.Map(request);

        Assert.Equal(2, mapped.Rejected);
        Assert.Equal("resource_logs[0].scope_logs[0].log_records[1]: attribute value is 257 characters; the limit is 256", mapped.FirstRejection);
        Assert.Equal("ok", Assert.Single(Assert.Single(mapped.Batches).Events).Message);
    }

    [Fact]
    public void Map_Times_FallBackToObservedThenReceive()
    {
        Assert.Equal(7ul, MapOne(new LogRecord { TimeUnixNano = 7, ObservedTimeUnixNano = 9 }).TimeUnixNano);
        Assert.Equal(9ul, MapOne(new LogRecord { ObservedTimeUnixNano = 9 }).TimeUnixNano);

        // 0 is the contract's "use the collector's receive time".
        Assert.Equal(0ul, MapOne(new LogRecord()).TimeUnixNano);
    }

    [Fact]
    public void Map_EventName_EventTypeUnlessAttributeSaysOtherwise()
    {
        Assert.Equal("log", MapOne(new LogRecord()).EventType);
        Assert.Equal("user.login", MapOne(new LogRecord { EventName = "user.login" }).EventType);

        var both = MapOne(new LogRecord { EventName = "user.login", Attributes = { Attr("event.type", Text("AUTH")) } });
        Assert.Equal("AUTH", both.EventType);
        Assert.Equal("user.login", both.Attributes[OtlpEventMapper.EventNameKey]);
    }

    [Fact]
    public void Map_ResourcesAndServices_OneBatchPerSource()
    {
        var request = Request("a", new LogRecord { Body = Text("1") });
        request.ResourceLogs.Add(Request("b", new LogRecord { Body = Text("2") }).ResourceLogs[0]);
        request.ResourceLogs.Add(Request("a", new LogRecord { Body = Text("3") }).ResourceLogs[0]);
        request.ResourceLogs.Add(new ResourceLogs { ScopeLogs = { new ScopeLogs { LogRecords = { new LogRecord { Body = Text("4") } } } } });

        var mapped = OtlpEventMapper.Map(request);

        Assert.Equal(["otlp/a", "otlp/b", "otlp/"], mapped.Batches.Select(b => b.SourceId));
        Assert.Equal(["1", "3"], mapped.Batches[0].Events.Select(e => e.Message));
        Assert.Equal(string.Empty, mapped.Batches[2].Events[0].Service);
    }

    [Fact]
    public void Map_LongServiceName_SourceIdCutToTheLimit()
    {
        var service = new string('é', 200);

        var mapped = OtlpEventMapper.Map(Request(service, new LogRecord { Body = Text("x") }));

        var sourceId = Assert.Single(mapped.Batches).SourceId;
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(sourceId) <= 256);
        Assert.StartsWith("otlp/éé", sourceId, StringComparison.Ordinal);
    }

    [Fact]
    public void Map_ForwardedEvent_ComesBackEqual()
    {
        var original = OtlpLogMapperTests.FullEvent();
        var minimal = new Event { TimeUnixNano = 5, EventType = "HEARTBEAT", Message = "beat", Service = "checkout" };
        var batch = new ForwardBatch();
        batch.Runs.Add(new SourceRun("device-1", 41) { Events = { original, minimal } });
        var forwarded = OtlpLogMapper.Map(batch, "edge-7", 1_700_000_000_000_000_000);

        var mapped = OtlpEventMapper.Map(ExportLogsServiceRequest.Parser.ParseFrom(forwarded.ToByteArray()));

        var back = Assert.Single(mapped.Batches);
        Assert.Equal("device-1", back.SourceId);
        Assert.Equal([original, minimal], back.Events);
    }

    [Fact]
    public void Map_SourceIdAttributeOverTheLimit_OrdinaryAttributeAndRecordRejected()
    {
        var tooLong = new string('s', 257);

        var mapped = OtlpEventMapper.Map(Request("svc", new LogRecord { Attributes = { Attr("telemetry.source.id", Text(tooLong)) } }));

        Assert.Empty(mapped.Batches);
        Assert.Equal("resource_logs[0].scope_logs[0].log_records[0]: attribute value is 257 characters; the limit is 256", mapped.FirstRejection);
    }

    private static Event MapOne(LogRecord record)
    {
        var mapped = OtlpEventMapper.Map(Request("svc", record));
        Assert.Equal(0, mapped.Rejected);
        return Assert.Single(Assert.Single(mapped.Batches).Events);
    }

    internal static ExportLogsServiceRequest Request(string service, LogRecord record, InstrumentationScope? scope = null) => new()
    {
        ResourceLogs =
        {
            new ResourceLogs
            {
                Resource = new Resource { Attributes = { Attr("service.name", Text(service)) } },
                ScopeLogs = { new ScopeLogs { Scope = scope, LogRecords = { record } } },
            },
        },
    };

    internal static AnyValue Text(string text) => new() { StringValue = text };

    internal static KeyValue Attr(string key, AnyValue value) => new() { Key = key, Value = value };
}
