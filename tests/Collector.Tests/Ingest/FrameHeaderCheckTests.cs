using System.Buffers;
using System.IO.Pipelines;
using Collector.Host.Grpc;
using Grpc.Core;

namespace Collector.Tests.Ingest;

/// <summary>The check of each message header as the request body is read: byte-level, on a pipe, no server.</summary>
public sealed class FrameHeaderCheckTests
{
    private const int Limit = 100;

    [Fact]
    public async Task ReadAsync_WholeFramesInOneRead_PassedThroughUntouched()
    {
        var (pipe, check) = Checked();
        byte[] body = [
            0x00, 0x00, 0x00, 0x00, 0x02, 0xAA, 0xBB, // not compressed, length 2, message
            0x01, 0x00, 0x00, 0x00, 0x00,             // compressed, length 0
        ];
        await pipe.Writer.WriteAsync(body);

        var read = await check.ReadAsync();

        Assert.Equal(body, read.Buffer.ToArray());
    }

    [Fact]
    public async Task ReadAsync_BadFlagAtTheStart_InvalidArgumentAndNothingTaken()
    {
        var (pipe, check) = Checked();
        await pipe.Writer.WriteAsync(new byte[] { 0x02, 0x00, 0x00, 0x00, 0x00 }); // flag 2, length 0

        var error = await Assert.ThrowsAsync<RpcException>(() => check.ReadAsync().AsTask());

        Assert.Equal((StatusCode.InvalidArgument, FrameHeaderCheck.BadFlagMessage), (error.StatusCode, error.Status.Detail));
        Assert.True(pipe.Reader.TryRead(out var left));
        Assert.Equal(5, left.Buffer.Length);
    }

    [Fact]
    public async Task ReadAsync_BadHeaderAfterAGoodFrame_FailsOnlyOnceTheGoodFrameIsTaken()
    {
        var (pipe, check) = Checked();
        await pipe.Writer.WriteAsync(new byte[]
        {
            0x00, 0x00, 0x00, 0x00, 0x01, 0x42, // a good frame of one byte
            0x00, 0x00, 0x00, 0x00, 0x65,       // length 101: over the limit of 100
        });

        var first = await check.ReadAsync();
        check.AdvanceTo(first.Buffer.GetPosition(6));
        var error = await Assert.ThrowsAsync<RpcException>(() => check.ReadAsync().AsTask());

        Assert.Equal((StatusCode.ResourceExhausted, FrameHeaderCheck.TooLargeMessage), (error.StatusCode, error.Status.Detail));
    }

    [Fact]
    public async Task ReadAsync_HeaderSplitAcrossReads_CheckedOnceWhole()
    {
        var (pipe, check) = Checked();
        await pipe.Writer.WriteAsync(new byte[] { 0x00, 0x00, 0x00 }); // a header's first three bytes
        var partial = await check.ReadAsync();
        check.AdvanceTo(partial.Buffer.Start, partial.Buffer.End);

        await pipe.Writer.WriteAsync(new byte[] { 0x00, 0x03, 0x01, 0x02, 0x03, 0xFF, 0x00 }); // length 3, message, then flag 0xFF
        var whole = await check.ReadAsync();

        // The first frame is whole and good; the next header is not whole yet, so nothing fails.
        Assert.Equal(10, whole.Buffer.Length);
        check.AdvanceTo(whole.Buffer.GetPosition(8), whole.Buffer.End);
        await pipe.Writer.WriteAsync(new byte[] { 0x00, 0x00, 0x00 });
        var error = await Assert.ThrowsAsync<RpcException>(() => check.ReadAsync().AsTask());
        Assert.Equal((StatusCode.InvalidArgument, FrameHeaderCheck.BadFlagMessage), (error.StatusCode, error.Status.Detail));
    }

    [Fact]
    public async Task ReadAsync_LengthOfFourGibibytes_ResourceExhaustedNotAnOverflow()
    {
        var (pipe, check) = Checked();
        await pipe.Writer.WriteAsync(new byte[] { 0x00, 0xFF, 0xFF, 0xFF, 0xFF }); // length 2^32 - 1

        var error = await Assert.ThrowsAsync<RpcException>(() => check.ReadAsync().AsTask());

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task ReadAsync_BodyEndsInsideAMessageAfterAGoodOne_FailsOnlyOnceTheGoodOneIsTaken()
    {
        var (pipe, check) = Checked();
        await pipe.Writer.WriteAsync(new byte[]
        {
            0x00, 0x00, 0x00, 0x00, 0x01, 0x42, // a good frame of one byte
            0x00, 0x00, 0x00, 0x00, 0x04, 0x01, // length 4, one byte of it
        });
        await pipe.Writer.CompleteAsync();

        var first = await check.ReadAsync();
        Assert.Equal(12, first.Buffer.Length);
        check.AdvanceTo(first.Buffer.GetPosition(6), first.Buffer.End);
        var error = await Assert.ThrowsAsync<RpcException>(() => check.ReadAsync().AsTask());

        Assert.Equal((StatusCode.InvalidArgument, FrameHeaderCheck.CutMessage), (error.StatusCode, error.Status.Detail));
    }

    [Fact]
    public async Task ReadAsync_BodyEndsInsideAHeader_InvalidArgument()
    {
        var (pipe, check) = Checked();
        await pipe.Writer.WriteAsync(new byte[] { 0x00, 0x00, 0x00 });
        await pipe.Writer.CompleteAsync();

        var error = await Assert.ThrowsAsync<RpcException>(() => check.ReadAsync().AsTask());

        Assert.Equal((StatusCode.InvalidArgument, FrameHeaderCheck.CutMessage), (error.StatusCode, error.Status.Detail));
    }

    [Fact]
    public async Task ReadAsync_MessageNotWholeYet_BodyNotComplete_NothingFails()
    {
        var (pipe, check) = Checked();
        await pipe.Writer.WriteAsync(new byte[] { 0x00, 0x00, 0x00, 0x00, 0x04, 0x01 });

        var read = await check.ReadAsync();

        Assert.Equal(6, read.Buffer.Length);
    }

    [Theory]
    [InlineData(new byte[] { 0x00, 0x00, 0x00, 0x00, 0x00 })] // a second (empty) message
    [InlineData(new byte[] { 0x00 })]                         // a byte after the message
    public async Task ReadAsync_SingleMessageCallWithMoreAfterIt_InvalidArgumentAtOnce(byte[] after)
    {
        var pipe = new Pipe();
        var check = new FrameHeaderCheck(pipe.Reader, Limit, singleMessage: true);
        byte[] body = [0x00, 0x00, 0x00, 0x00, 0x01, 0x42, .. after];
        await pipe.Writer.WriteAsync(body);

        var error = await Assert.ThrowsAsync<RpcException>(() => check.ReadAsync().AsTask());

        Assert.Equal((StatusCode.InvalidArgument, FrameHeaderCheck.SecondMessage), (error.StatusCode, error.Status.Detail));
    }

    [Fact]
    public async Task ReadAsync_CompressedMessageOnACallWithoutEncoding_InvalidArgument()
    {
        var pipe = new Pipe();
        var check = new FrameHeaderCheck(pipe.Reader, Limit, compressionNamed: false);
        await pipe.Writer.WriteAsync(new byte[] { 0x01, 0x00, 0x00, 0x00, 0x01, 0x42 });

        var error = await Assert.ThrowsAsync<RpcException>(() => check.ReadAsync().AsTask());

        Assert.Equal((StatusCode.InvalidArgument, FrameHeaderCheck.NoEncodingMessage), (error.StatusCode, error.Status.Detail));
    }

    private static (Pipe Pipe, FrameHeaderCheck Check) Checked()
    {
        var pipe = new Pipe();
        return (pipe, new FrameHeaderCheck(pipe.Reader, Limit));
    }
}
