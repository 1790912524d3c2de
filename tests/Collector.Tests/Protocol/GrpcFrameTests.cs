using System.Buffers;
using Collector.Protocol.Grpc;

namespace Collector.Tests.Protocol;

public sealed class GrpcFrameTests
{
    [Fact]
    public void TryRead_WholeFrame_MessageAndBufferAdvanced()
    {
        var buffer = new ReadOnlySequence<byte>(
        [
            0x00, // not compressed
            0x00, 0x00, 0x00, 0x03, // length 3
            0x0A, 0x01, 0x61, // message
            0x00, // start of the next frame
        ]);

        var result = GrpcFrame.TryRead(ref buffer, 1024, out var message, out var compressed, out var length);

        Assert.Equal(GrpcFrameReadResult.Message, result);
        Assert.False(compressed);
        Assert.Equal(3u, length);
        Assert.Equal(new byte[] { 0x0A, 0x01, 0x61 }, message.ToArray());
        Assert.Equal(1, buffer.Length);
    }

    [Fact]
    public void TryRead_HeaderSplitAcrossSegments_ReadsHeader()
    {
        var buffer = Segments(
            [0x01, 0x00], // compressed, first length bytes
            [0x00],
            [0x00, 0x02, 0xAB], // rest of length 2, first message byte
            [0xCD]);

        var result = GrpcFrame.TryRead(ref buffer, 1024, out var message, out var compressed, out _);

        Assert.Equal(GrpcFrameReadResult.Message, result);
        Assert.True(compressed);
        Assert.Equal(new byte[] { 0xAB, 0xCD }, message.ToArray());
        Assert.True(buffer.IsEmpty);
    }

    [Fact]
    public void TryRead_ZeroLengthMessage_EmptyMessage()
    {
        var buffer = new ReadOnlySequence<byte>([0x00, 0x00, 0x00, 0x00, 0x00]);

        var result = GrpcFrame.TryRead(ref buffer, 1024, out var message, out _, out _);

        Assert.Equal(GrpcFrameReadResult.Message, result);
        Assert.True(message.IsEmpty);
        Assert.True(buffer.IsEmpty);
    }

    [Fact]
    public void TryRead_LengthPromisesMoreThanArrived_IncompleteAndBufferUntouched()
    {
        var buffer = new ReadOnlySequence<byte>(
        [
            0x00, // not compressed
            0x00, 0x00, 0x00, 0x0A, // length 10
            0x01, 0x02, // only two bytes so far
        ]);

        var result = GrpcFrame.TryRead(ref buffer, 1024, out _, out _, out _);

        Assert.Equal(GrpcFrameReadResult.Incomplete, result);
        Assert.Equal(7, buffer.Length);
    }

    [Fact]
    public void TryRead_PartialHeader_Incomplete()
    {
        var buffer = new ReadOnlySequence<byte>([0x00, 0x00, 0x00]);

        Assert.Equal(GrpcFrameReadResult.Incomplete, GrpcFrame.TryRead(ref buffer, 1024, out _, out _, out _));
    }

    [Fact]
    public void TryRead_LengthOverLimit_TooLargeBeforeBodyArrives()
    {
        var buffer = new ReadOnlySequence<byte>(
        [
            0x00, // not compressed
            0x00, 0x10, 0x00, 0x01, // length 1 MiB + 1, nothing of the body yet
        ]);

        var result = GrpcFrame.TryRead(ref buffer, 1024 * 1024, out _, out _, out var length);

        Assert.Equal(GrpcFrameReadResult.TooLarge, result);
        Assert.Equal(1024u * 1024 + 1, length);
    }

    [Fact]
    public void Write_ThenRead_RoundTrips()
    {
        var writer = new ArrayBufferWriter<byte>();
        GrpcFrame.Write(writer, [1, 2, 3], compressed: false);
        var buffer = new ReadOnlySequence<byte>(writer.WrittenMemory);

        GrpcFrame.TryRead(ref buffer, 16, out var message, out _, out _);

        Assert.Equal(new byte[] { 0, 0, 0, 0, 3, 1, 2, 3 }, writer.WrittenSpan.ToArray());
        Assert.Equal(new byte[] { 1, 2, 3 }, message.ToArray());
    }

    internal static ReadOnlySequence<byte> Segments(params byte[][] parts)
    {
        var first = new Segment(parts[0], 0);
        var last = first;
        foreach (var part in parts.Skip(1))
        {
            last = last.Append(part);
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(byte[] data, long runningIndex)
        {
            Memory = data;
            RunningIndex = runningIndex;
        }

        public Segment Append(byte[] data)
        {
            var next = new Segment(data, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
