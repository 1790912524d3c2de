using Collector.Protocol.Telemetry;
using Collector.Protocol.Telemetry.V1;
using Collector.Tests.Infrastructure;
using Google.Protobuf;

namespace Collector.Tests.Protocol;

public sealed class EventValidatorTests
{
    [Fact]
    public void Validate_TypicalEvent_ValidWithTime()
    {
        var verdict = EventValidator.Validate(Events.Valid(1).ToByteArray(), out var facts, out var reason);

        Assert.Equal(EventVerdict.Valid, verdict);
        Assert.True(facts.HasTime);
        Assert.Null(reason);
    }

    [Fact]
    public void Validate_NoTime_ValidWithoutTime()
    {
        var e = Events.Valid(1);
        e.TimeUnixNano = 0;

        EventValidator.Validate(e.ToByteArray(), out var facts, out _);

        Assert.False(facts.HasTime);
    }

    [Theory]
    [InlineData(256, true)]
    [InlineData(257, false)]
    public void Validate_StringLimitCountsCharactersNotBytes(int characters, bool valid)
    {
        var e = Events.Valid(1);
        e.Status = string.Concat(Enumerable.Repeat("é", characters));

        var verdict = EventValidator.Validate(e.ToByteArray(), out _, out var reason);

        Assert.Equal(valid ? EventVerdict.Valid : EventVerdict.Invalid, verdict);
        if (!valid)
        {
            Assert.Equal("status is 257 characters; the limit is 256", reason);
        }
    }

    [Fact]
    public void Validate_MessageMayBe64KiB()
    {
        var e = Events.Valid(1);
        e.Message = new string('m', 65_536);

        Assert.Equal(EventVerdict.Valid, EventValidator.Validate(e.ToByteArray(), out _, out _));
    }

    [Theory]
    [InlineData("origin")]
    [InlineData("path")]
    [InlineData("trust")]
    [InlineData("attribute key")]
    [InlineData("attribute value")]
    public void Validate_NestedStringOverLimit_Invalid(string where)
    {
        var e = Events.Valid(1);
        var tooLong = new string('x', 300);
        e.Provenance = new Provenance { Origin = "device:a", Path = { "edge-1" }, TrustLevel = "verified_company" };
        switch (where)
        {
            case "origin": e.Provenance.Origin = tooLong; break;
            case "path": e.Provenance.Path.Add(tooLong); break;
            case "trust": e.Provenance.TrustLevel = tooLong; break;
            case "attribute key": e.Attributes[tooLong] = "v"; break;
            default: e.Attributes["k"] = tooLong; break;
        }

        var verdict = EventValidator.Validate(e.ToByteArray(), out _, out var reason);

        Assert.Equal(EventVerdict.Invalid, verdict);
        Assert.Contains("300 characters", reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    [InlineData(double.NaN)]
    public void Validate_NonFiniteValue_Invalid(double value)
    {
        var e = Events.Valid(1);
        e.Value = value;

        Assert.Equal(EventVerdict.Invalid, EventValidator.Validate(e.ToByteArray(), out _, out _));
    }

    [Fact]
    public void Validate_InvalidUtf8_InvalidNamingTheField()
    {
        // Event { event_type = "X", component = 0xC3 0x28 } -- a broken two-byte sequence.
        byte[] bytes = [0x12, 0x01, (byte)'X', 0x1A, 0x02, 0xC3, 0x28];

        var verdict = EventValidator.Validate(bytes, out _, out var reason);

        Assert.Equal(EventVerdict.Invalid, verdict);
        Assert.Equal("component is not valid UTF-8", reason);
    }

    [Fact]
    public void Validate_UnknownFieldsAndWrongWireTypeOfKnownNumber_SkippedLikeGeneratedParsers()
    {
        byte[] bytes =
        [
            0x12, 0x01, (byte)'X', // event_type = "X"
            0xA0, 0x06, 0x05, // field 100, varint 5 (unknown)
            0x18, 0x07, // field 3 as a varint: not component's wire type, so an unknown field
        ];

        Assert.Equal(EventVerdict.Valid, EventValidator.Validate(bytes, out _, out _));
        Assert.Equal("X", Event.Parser.ParseFrom(bytes).EventType);
    }

    [Theory]
    [InlineData(new byte[] { 0x12, 0x05, (byte)'a' })] // string longer than the rest
    [InlineData(new byte[] { 0x09, 0x01, 0x02 })] // truncated fixed64
    [InlineData(new byte[] { 0x80 })] // truncated tag
    [InlineData(new byte[] { 0x0B })] // start group: not proto3
    public void Validate_NotAnEvent_Malformed(byte[] bytes) =>
        Assert.Equal(EventVerdict.Malformed, EventValidator.Validate(bytes, out _, out _));

    [Fact]
    public void Scan_Batch_FindsSourceSequenceAndEventSlices()
    {
        var batch = Events.Batch("scan-me", 42, 3);
        var bytes = batch.ToByteArray();
        var scanned = new ScannedBatch();

        Assert.Null(EventBatchScanner.Scan(bytes, scanned));

        Assert.Equal("scan-me", scanned.SourceId);
        Assert.Equal(42ul, scanned.FirstSequence);
        Assert.Equal(3, scanned.Events.Count);
        Assert.Equal(batch.Events[2], Event.Parser.ParseFrom(bytes.AsSpan(scanned.Events[2].Start, scanned.Events[2].Length)));
    }

    [Fact]
    public void Scan_SourceIdTooLong_Error()
    {
        var bytes = new EventBatch { SourceId = new string('s', 257) }.ToByteArray();

        Assert.Contains("source_id is 257 bytes", EventBatchScanner.Scan(bytes, new ScannedBatch()), StringComparison.Ordinal);
    }
}
