using System.Diagnostics;
using Collector.Protocol.Grpc;
using Collector.Protocol.Grpc.Client;
using Collector.Protocol.Telemetry;
using Collector.Tests.Infrastructure;

namespace Collector.Tests.Interop;

/// <summary>Our .NET client against Debian's grpcio as the server.</summary>
public sealed class PythonServerTests : IAsyncLifetime
{
    private Process _server = null!;
    private GrpcClient _grpc = null!;
    private CollectorClient _client = null!;

    public async Task InitializeAsync()
    {
        (_server, var port) = await PythonPeer.StartServerAsync();
        _grpc = new GrpcClient(new GrpcClientOptions { Address = new Uri($"http://127.0.0.1:{port}") });
        _client = new CollectorClient(_grpc);
    }

    public async Task DisposeAsync()
    {
        _grpc.Dispose();
        await PythonPeer.StopServerAsync(_server);
    }

    [Fact]
    public async Task Unary_Send_AckFromPython()
    {
        var ack = await _client.SendAsync(Events.Batch("dotnet", 5, 3));

        Assert.Equal("dotnet", ack.SourceId);
        Assert.Equal(3u, ack.Accepted);
        Assert.Equal(7ul, ack.DurableThrough);
    }

    [Fact]
    public async Task Unary_Gzip_AckFromPython()
    {
        using var grpc = new GrpcClient(new GrpcClientOptions { Address = _grpc.Options.Address, CompressRequests = true });

        var ack = await new CollectorClient(grpc).SendAsync(Events.Batch("gzip", 1, 100));

        Assert.Equal(100u, ack.Accepted);
    }

    [Fact]
    public async Task Bidi_Stream_OneAckPerBatchInOrder()
    {
        await using var call = _client.OpenStream();
        for (var b = 0; b < 20; b++)
        {
            await call.WriteAsync(Events.Batch("bidi", (ulong)(b * 10) + 1, 10));
        }

        await call.CompleteRequestsAsync();
        var acks = new List<ulong>();
        await foreach (var ack in call.ReadAllAsync())
        {
            acks.Add(ack.DurableThrough);
        }

        Assert.Equal(Enumerable.Range(1, 20).Select(b => (ulong)(b * 10)), acks);
        Assert.Equal(GrpcStatusCode.OK, call.Status?.Code);
    }

    [Fact]
    public async Task Unary_ServerError_StatusCodeAndPercentDecodedMessage()
    {
        var error = await Assert.ThrowsAsync<GrpcStatusException>(() => _client.SendAsync(Events.Batch("fail", 1, 1)));

        Assert.Equal(GrpcStatusCode.PermissionDenied, error.StatusCode);
        Assert.Equal("denied by test peer: ünïcödé 100%", error.Status.Message);
    }

    [Fact]
    public async Task Bidi_ServerError_StatusAfterEarlierAcks()
    {
        await using var call = _client.OpenStream();
        await call.WriteAsync(Events.Batch("ok-first", 1, 1));
        Assert.NotNull(await call.ReadNextAsync());

        await call.WriteAsync(Events.Batch("fail", 1, 1));
        var error = await Assert.ThrowsAsync<GrpcStatusException>(async () => await call.ReadNextAsync());

        Assert.Equal(GrpcStatusCode.PermissionDenied, error.StatusCode);
    }

    [Fact]
    public async Task Unary_Deadline_DeadlineExceeded()
    {
        var started = Stopwatch.GetTimestamp();

        var error = await Assert.ThrowsAsync<GrpcStatusException>(() =>
            _client.SendAsync(Events.Batch("slow", 1, 1), new GrpcCallOptions { Timeout = TimeSpan.FromMilliseconds(500) }));

        Assert.Equal(GrpcStatusCode.DeadlineExceeded, error.StatusCode);
        Assert.True(Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(4), "the deadline, not the server's 5 s, ended the call");
    }
}
