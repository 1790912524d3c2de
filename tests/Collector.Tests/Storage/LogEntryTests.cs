using Collector.Protocol.Telemetry.V1;
using Collector.Storage.Log;
using Collector.Tests.Infrastructure;
using Google.Protobuf;

namespace Collector.Tests.Storage;

public sealed class LogEntryTests
{
    [Fact]
    public void Writer_EventsWithAndWithoutTime_DecodeAsLogEntry()
    {
        var writer = new LogEntryWriter(targetBytes: 1 << 20, maxBytes: 1 << 21);
        var timed = Events.Valid(1);
        var untimed = Events.Valid(2);
        untimed.TimeUnixNano = 0;

        writer.Begin("src"u8, receivedUnixNano: 777);
        Assert.True(writer.TryAdd(5, timed.ToByteArray(), 0));
        Assert.True(writer.TryAdd(6, untimed.ToByteArray(), 777));
        var bytes = writer.Finish(handledThrough: 9).ToArray();

        Assert.Equal(LogEntryFormat.Version1, bytes[0]);
        Assert.True(LogEntryFormat.TryDecode(bytes, out var entry));
        Assert.Equal("src", entry!.SourceId);
        Assert.Equal(777ul, entry.ReceivedUnixNano);
        Assert.Equal(9ul, entry.HandledThrough);
        Assert.Equal([5ul, 6], entry.Events.Select(e => e.Sequence));
        Assert.Equal(timed, entry.Events[0].Event);
        untimed.TimeUnixNano = 777;
        Assert.Equal(untimed, entry.Events[1].Event);
    }

    [Fact]
    public void Writer_OverTarget_RefusesSoCallerSplits()
    {
        var writer = new LogEntryWriter(targetBytes: 400, maxBytes: 1 << 20);
        var bytes = Events.Valid(1).ToByteArray();
        writer.Begin("s"u8, 1);

        var added = 0;
        while (writer.TryAdd((ulong)added + 1, bytes, 0))
        {
            added++;
        }

        Assert.InRange(added, 1, 3);
        Assert.True(writer.Finish(0).Length <= 400);
    }

    [Fact]
    public void Writer_SingleEventBiggerThanTarget_StillFitsAlone()
    {
        var writer = new LogEntryWriter(targetBytes: 100, maxBytes: 1 << 20);
        var big = new Event { EventType = "X", Message = new string('m', 10_000) }.ToByteArray();
        writer.Begin("s"u8, 1);

        Assert.True(writer.TryAdd(1, big, 0));
        Assert.False(writer.TryAdd(2, big, 0));
    }

    [Fact]
    public void ReadWatermark_ReadsSourceAndHandledThroughOnly()
    {
        var writer = new LogEntryWriter(1 << 20, 1 << 21);
        writer.Begin("watermark-source"u8, 1);
        writer.TryAdd(3, Events.Valid(3).ToByteArray(), 0);
        var bytes = writer.Finish(12).ToArray();

        Assert.True(LogEntryFormat.TryReadWatermark(bytes, out var source, out var handled, out var version));

        Assert.Equal("watermark-source", System.Text.Encoding.UTF8.GetString(source));
        Assert.Equal(12ul, handled);
        Assert.Equal(1, version);
    }

    [Fact]
    public void TryDecode_UnknownVersion_False()
    {
        Assert.False(LogEntryFormat.TryDecode([2, 0x0A, 0x00], out _));
        Assert.False(LogEntryFormat.TryReadWatermark([2], out _, out _, out var version));
        Assert.Equal(2, version);
    }
}
