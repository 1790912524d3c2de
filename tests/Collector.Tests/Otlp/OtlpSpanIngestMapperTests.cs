using Collector.Forwarder.Otlp.V1;
using Collector.Host.Otlp;
using Collector.Protocol.Telemetry.V1;
using Google.Protobuf;
using static Collector.Tests.Otlp.OtlpEventMapperTests;
using Span = Collector.Forwarder.Otlp.V1.Span;

namespace Collector.Tests.Otlp;

/// <summary>The receiver's mapping of OTLP spans to events carrying a TraceSpan, and what it rejects.</summary>
public sealed class OtlpSpanIngestMapperTests
{
    private const ulong Start = 1_700_000_000_000_000_123;
    private static readonly ByteString TraceId = ByteString.CopyFrom([.. Enumerable.Range(1, 16).Select(i => (byte)i)]);
    private static readonly ByteString SpanId = ByteString.CopyFrom([.. Enumerable.Range(1, 8).Select(i => (byte)(i * 5))]);
    private static readonly ByteString ParentId = ByteString.CopyFrom([.. Enumerable.Range(1, 8).Select(i => (byte)(i * 7))]);
    private static readonly ByteString LinkedTraceId = ByteString.CopyFrom([.. Enumerable.Range(100, 16).Select(i => (byte)i)]);

    [Fact]
    public void Map_FullSpan_EveryFieldAsSent()
    {
        var span = Full();

        var mapped = OtlpSpanMapper.Map(Request(span));

        Assert.Equal(0, mapped.Rejected);
        var evt = Assert.Single(Assert.Single(mapped.Batches).Events);
        Assert.Equal(("span", "checkout", Start, TraceId, SpanId), (evt.EventType, evt.Service, evt.TimeUnixNano, evt.TraceId, evt.SpanId));
        Assert.Equal(("3", "Shop.Traces", "eu"), (evt.Attributes["cart.items"], evt.Attributes["otel.scope.name"], evt.Attributes["resource.region"]));
        var expected = new TraceSpan
        {
            ParentSpanId = ParentId,
            Name = "charge",
            Kind = SpanKind.Client,
            EndTimeUnixNano = Start + 5_000_000,
            StatusCode = SpanStatus.Error,
            StatusMessage = "declined",
            TraceState = "vendor=1",
            Flags = 0x301,
            DroppedAttributesCount = 1,
            DroppedEventsCount = 2,
            DroppedLinksCount = 3,
            Events = { new TraceSpanEvent { TimeUnixNano = Start + 1_000, Name = "card.declined", Attributes = { ["code"] = "51", ["retry"] = "true" }, DroppedAttributesCount = 4 } },
            Links = { new TraceSpanLink { TraceId = LinkedTraceId, SpanId = SpanId, TraceState = "x=y", Attributes = { ["reason"] = "retry" }, Flags = 1, DroppedAttributesCount = 5 } },
        };
        Assert.Equal(expected, evt.Span);
    }

    [Fact]
    public void Map_AllZeroParent_RootSpan()
    {
        var span = Full();
        span.ParentSpanId = ByteString.CopyFrom(new byte[8]);

        var evt = Assert.Single(Assert.Single(OtlpSpanMapper.Map(Request(span)).Batches).Events);

        Assert.True(evt.Span.ParentSpanId.IsEmpty);
    }

    [Theory]
    [InlineData("no-span-id", "a span needs its trace_id and span_id")]
    [InlineData("zero-trace-id", "a span needs its trace_id and span_id")]
    [InlineData("short-trace-id", "trace_id is 4 bytes; it must be empty or 16 bytes")]
    [InlineData("parent", "span.parent_span_id is 3 bytes; it must be empty or 8 bytes")]
    [InlineData("link", "span.links[0].span_id is 0 bytes; it must be 8 bytes")]
    [InlineData("events", "span has 129 events; the limit is 128")]
    [InlineData("name", "span.name is empty")]
    [InlineData("kind", "span.kind 9 is not a span kind (0-5)")]
    public void Map_BadSpan_RejectedAloneWithItsPlaceAndReason(string fault, string reason)
    {
        var bad = Full();
        switch (fault)
        {
            case "no-span-id": bad.SpanId = ByteString.Empty; break;
            case "zero-trace-id": bad.TraceId = ByteString.CopyFrom(new byte[16]); break;
            case "short-trace-id": bad.TraceId = ByteString.CopyFrom(1, 2, 3, 4); break;
            case "parent": bad.ParentSpanId = ByteString.CopyFrom(1, 2, 3); break;
            case "link": bad.Links[0].SpanId = ByteString.Empty; break;
            case "events": bad.Events.Add(Enumerable.Range(0, 128).Select(i => new Span.Types.Event { Name = "e" })); break;
            case "name": bad.Name = string.Empty; break;
            case "kind": bad.Kind = (Span.Types.SpanKind)9; break;
        }

        var mapped = OtlpSpanMapper.Map(Request(Full(), bad));

        Assert.Equal(1, mapped.Rejected);
        Assert.Equal($"resource_spans[0].scope_spans[0].spans[1]: {reason}", mapped.FirstRejection);
        Assert.Equal(1, mapped.Events);
    }

    private static Span Full() => new()
    {
        TraceId = TraceId,
        SpanId = SpanId,
        ParentSpanId = ParentId,
        TraceState = "vendor=1",
        Flags = 0x301,
        Name = "charge",
        Kind = Span.Types.SpanKind.Client,
        StartTimeUnixNano = Start,
        EndTimeUnixNano = Start + 5_000_000,
        Attributes = { Attr("cart.items", new AnyValue { IntValue = 3 }) },
        DroppedAttributesCount = 1,
        Events = { new Span.Types.Event { TimeUnixNano = Start + 1_000, Name = "card.declined", Attributes = { Attr("code", Text("51")), Attr("retry", new AnyValue { BoolValue = true }) }, DroppedAttributesCount = 4 } },
        DroppedEventsCount = 2,
        Links = { new Span.Types.Link { TraceId = LinkedTraceId, SpanId = SpanId, TraceState = "x=y", Attributes = { Attr("reason", Text("retry")) }, Flags = 1, DroppedAttributesCount = 5 } },
        DroppedLinksCount = 3,
        Status = new Status { Code = Status.Types.StatusCode.Error, Message = "declined" },
    };

    private static ExportTraceServiceRequest Request(params Span[] spans) => new()
    {
        ResourceSpans =
        {
            new ResourceSpans
            {
                Resource = new Resource { Attributes = { Attr("service.name", Text("checkout")), Attr("region", Text("eu")) } },
                ScopeSpans = { new ScopeSpans { Scope = new InstrumentationScope { Name = "Shop.Traces" }, Spans = { spans } } },
            },
        },
    };
}
