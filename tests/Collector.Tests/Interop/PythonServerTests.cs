using Collector.ClientSdk;
using Collector.Forwarder;
using Collector.Tests.Infrastructure;

namespace Collector.Tests.Interop;

/// <summary>
/// Our two Stream clients, the forwarder's collector upstream and the ClientSdk, against Debian's grpcio as the
/// server: encoded batches it parses, its Acks matched in order over several streams, and its error status (with a
/// percent-encoded message) taken as the failure it is.
/// </summary>
public sealed class PythonServerTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private System.Diagnostics.Process _server = null!;
    private Uri _address = null!;

    public async Task InitializeAsync()
    {
        (_server, var port) = await PythonPeer.StartServerAsync();
        _address = new Uri($"http://127.0.0.1:{port}");
    }

    public Task DisposeAsync() => PythonPeer.StopServerAsync(_server);

    [Fact]
    public async Task CollectorUpstream_RunsOverThreeStreams_EachBatchAckedInFull()
    {
        using var upstream = Upstream();
        using var timeout = new CancellationTokenSource(Timeout);
        await using var session = await upstream.ConnectAsync(timeout.Token);

        var deliveries = new List<Task<DeliveryResult>>();
        for (var b = 0; b < 10; b++)
        {
            deliveries.Add(await session.SendAsync(Batch((ulong)(b * 20) + 1, 20, "py-a", "py-b", "py-c", "py-d", "py-e"), timeout.Token));
        }

        var results = await Task.WhenAll(deliveries).WaitAsync(timeout.Token);

        Assert.All(results, r => Assert.Equal((100, 0, 0), (r.Accepted, r.Duplicates, r.Rejected)));
    }

    [Fact]
    public async Task CollectorUpstream_ServerAbortsStream_PermissionDeniedWithDecodedMessage_SessionOver()
    {
        using var upstream = Upstream();
        using var timeout = new CancellationTokenSource(Timeout);
        await using var session = await upstream.ConnectAsync(timeout.Token);

        var delivery = await session.SendAsync(Batch(1, 1, "fail"), timeout.Token);
        var failure = await Assert.ThrowsAsync<UpstreamException>(() => delivery.WaitAsync(timeout.Token));
        var later = await Assert.ThrowsAsync<UpstreamException>(async () => await session.SendAsync(Batch(2, 1, "py-later"), timeout.Token));

        Assert.Equal("permission_denied", failure.Reason);
        Assert.Equal("upstream answered PermissionDenied: denied by test peer: ünïcödé 100%", failure.Message);
        Assert.Same(failure, later);
    }

    [Fact]
    public async Task TelemetryClient_StreamsToGrpcio_EveryEventAcknowledged()
    {
        await using var client = new TelemetryClient(new TelemetryClientOptions { CollectorUrl = _address, SourceId = "py-sdk", ServiceName = "interop", MaxBatchEvents = 300 });
        for (var i = 0; i < 2000; i++)
        {
            Assert.True(client.Log("INTEROP", "py", i));
        }

        await client.FlushAsync().WaitAsync(Timeout);

        Assert.Equal((2000L, 0L, 0L), (client.Stats.Acknowledged, client.Stats.Rejected, client.Stats.Buffered));
    }

    [Fact]
    public async Task TelemetryClient_GrpcioAbortsEveryStream_RetriesAndKeepsTheEvents()
    {
        await using var client = new TelemetryClient(new TelemetryClientOptions
        {
            CollectorUrl = _address,
            SourceId = "fail",
            MinReconnectDelay = TimeSpan.FromMilliseconds(20),
            MaxReconnectDelay = TimeSpan.FromMilliseconds(100),
            DisposeFlushTimeout = TimeSpan.FromMilliseconds(100),
        });
        for (var i = 0; i < 10; i++)
        {
            client.Log("INTEROP", "py", i);
        }

        var deadline = DateTime.UtcNow + Timeout;
        while (client.Stats.Retries < 3)
        {
            Assert.True(DateTime.UtcNow < deadline, "the client did not retry after the aborted streams");
            await Task.Delay(20);
        }

        Assert.Equal((0L, 10L), (client.Stats.Acknowledged, client.Stats.Buffered));
    }

    private CollectorUpstream Upstream() => new(new ForwarderOptions { UpstreamUrl = _address, NodeId = "edge-1", Streams = 3 });

    private static ForwardBatch Batch(ulong first, int events, params string[] sources)
    {
        var batch = new ForwardBatch();
        foreach (var source in sources)
        {
            var run = new SourceRun(source, first);
            run.Events.AddRange(Events.Batch(source, first, events).Events);
            batch.Runs.Add(run);
        }

        return batch;
    }
}
