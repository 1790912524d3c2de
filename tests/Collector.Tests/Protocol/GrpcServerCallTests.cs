using System.Buffers;
using System.IO.Pipelines;
using Collector.Host.Grpc;
using Collector.Protocol.Grpc;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Collector.Tests.Protocol;

/// <summary>The server's frame reading over a real pipe, fed a byte at a time where it matters.</summary>
public sealed class GrpcServerCallTests
{
    [Fact]
    public async Task ReadNext_FrameArrivesOneByteAtATime_WholeMessage()
    {
        var pipe = new Pipe();
        using var call = CreateCall(pipe.Reader, maxMessageSize: 1024);
        byte[] frame = [0x00, 0x00, 0x00, 0x00, 0x04, 0x0A, 0x02, 0x68, 0x69];

        var reading = call.ReadNextAsync().AsTask();
        foreach (var b in frame)
        {
            Assert.False(reading.IsCompleted);
            await pipe.Writer.WriteAsync(new[] { b });
        }

        Assert.True(await reading);
        Assert.Equal(new byte[] { 0x0A, 0x02, 0x68, 0x69 }, call.Current.ToArray());
        await pipe.Writer.CompleteAsync();
        Assert.False(await call.ReadNextAsync());
    }

    [Fact]
    public async Task ReadNext_BodyEndsInsideFrame_Internal()
    {
        var pipe = new Pipe();
        using var call = CreateCall(pipe.Reader, maxMessageSize: 1024);
        await pipe.Writer.WriteAsync(new byte[] { 0x00, 0x00, 0x00, 0x00, 0x08, 0x01 });
        await pipe.Writer.CompleteAsync();

        var error = await Assert.ThrowsAsync<GrpcStatusException>(async () => await call.ReadNextAsync());

        Assert.Equal(GrpcStatusCode.Internal, error.StatusCode);
    }

    [Fact]
    public async Task ReadNext_CompressedWithoutEncoding_Internal()
    {
        var pipe = new Pipe();
        using var call = CreateCall(pipe.Reader, maxMessageSize: 1024);
        await pipe.Writer.WriteAsync(new byte[] { 0x01, 0x00, 0x00, 0x00, 0x01, 0x00 });

        var error = await Assert.ThrowsAsync<GrpcStatusException>(async () => await call.ReadNextAsync());

        Assert.Equal(GrpcStatusCode.Internal, error.StatusCode);
    }

    [Fact]
    public async Task ReadNext_OverLimit_ResourceExhaustedWithoutWaitingForBody()
    {
        var pipe = new Pipe();
        using var call = CreateCall(pipe.Reader, maxMessageSize: 16);
        await pipe.Writer.WriteAsync(new byte[] { 0x00, 0x00, 0x00, 0x00, 0x11 });

        var error = await Assert.ThrowsAsync<GrpcStatusException>(async () => await call.ReadNextAsync());

        Assert.Equal(GrpcStatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task ReadNext_TwoFramesInOneRead_BothReturnedInOrder()
    {
        var pipe = new Pipe();
        using var call = CreateCall(pipe.Reader, maxMessageSize: 1024);
        await pipe.Writer.WriteAsync(new byte[] { 0, 0, 0, 0, 1, 0xAA, 0, 0, 0, 0, 1, 0xBB });
        await pipe.Writer.CompleteAsync();

        Assert.True(await call.ReadNextAsync());
        Assert.Equal(0xAA, call.Current.FirstSpan[0]);
        Assert.True(await call.ReadNextAsync());
        Assert.Equal(0xBB, call.Current.FirstSpan[0]);
        Assert.False(await call.ReadNextAsync());
    }

    [Fact]
    public void Complete_BeforeAnyMessage_TrailersOnlyInHeaders()
    {
        var context = new DefaultHttpContext();
        using var call = new GrpcServerCall(context, 1024, null, TimeProvider.System, gzip: false, CancellationToken.None);

        call.Complete(new GrpcStatus(GrpcStatusCode.InvalidArgument, "bad 100% ü"));

        Assert.Equal("3", context.Response.Headers["grpc-status"].ToString());
        Assert.Equal("bad 100%25 %C3%BC", context.Response.Headers["grpc-message"].ToString());
    }

    private static GrpcServerCall CreateCall(PipeReader body, int maxMessageSize)
    {
        var context = new DefaultHttpContext();
        context.Features.Set<IRequestBodyPipeFeature>(new BodyPipe(body));
        return new GrpcServerCall(context, maxMessageSize, null, TimeProvider.System, gzip: false, CancellationToken.None);
    }

    private sealed class BodyPipe(PipeReader reader) : IRequestBodyPipeFeature
    {
        public PipeReader Reader => reader;
    }
}
