using Collector.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Net.Client;
using TelemetryCollector = Collector.Protocol.Telemetry.V1.Collector;

namespace Collector.Tests.Ingest;

/// <summary>The promise that matters most: nothing acknowledged is lost or doubled, whatever happens to the process.</summary>
public sealed class CrashRecoveryTests : IDisposable
{
    private const int BatchSize = 500;
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Kill9MidStream_Restart_EveryAcknowledgedEventStoredExactlyOnce()
    {
        ulong ackedThrough;
        ulong sentThrough;
        using (var collector = await CollectorProcess.StartAsync(_data.Path))
        {
            (ackedThrough, sentThrough) = await StreamUntilKilledAsync(collector);
        }

        Assert.True(ackedThrough >= 20 * BatchSize, $"only {ackedThrough} acknowledged before the kill");

        // Restart: every acknowledged event is there once, and nothing is there twice.
        using (var restarted = await CollectorProcess.StartAsync(_data.Path))
        {
            await restarted.StopAsync();
        }

        var afterCrash = (await LogContents.ReadDirectoryAsync(_data.Path)).Select(e => e.Sequence).ToList();
        Assert.Equal(afterCrash.Count, afterCrash.Distinct().Count());
        Assert.True(afterCrash.Count >= (int)ackedThrough, $"{afterCrash.Count} stored, {ackedThrough} acknowledged");
        Assert.Equal(Enumerable.Range(1, afterCrash.Count).Select(i => (ulong)i), afterCrash.Order());

        // Resending everything: what survived is recognised as duplicates, the rest is stored once.
        using (var again = await CollectorProcess.StartAsync(_data.Path))
        {
            using var channel = GrpcChannel.ForAddress(again.GrpcUri);
            var client = new TelemetryCollector.CollectorClient(channel);
            uint duplicates = 0, accepted = 0;
            for (ulong first = 1; first <= sentThrough; first += BatchSize)
            {
                var ack = await client.SendAsync(Events.Batch("crash-source", first, BatchSize));
                duplicates += ack.Duplicates;
                accepted += ack.Accepted;
            }

            Assert.Equal((uint)afterCrash.Count, duplicates);
            Assert.Equal((uint)sentThrough - (uint)afterCrash.Count, accepted);
            await again.StopAsync();
        }

        var final = (await LogContents.ReadDirectoryAsync(_data.Path)).Select(e => e.Sequence).Order().ToList();
        Assert.Equal(Enumerable.Range(1, (int)sentThrough).Select(i => (ulong)i), final);
    }

    [Fact]
    public async Task GracefulRestart_DedupStateSurvives()
    {
        using (var collector = await CollectorProcess.StartAsync(_data.Path))
        {
            using var channel = GrpcChannel.ForAddress(collector.GrpcUri);
            var ack = await new TelemetryCollector.CollectorClient(channel).SendAsync(Events.Batch("restart-source", 1, 100));
            Assert.Equal(100u, ack.Accepted);
            await collector.StopAsync();
            Assert.Contains("Durable log closed", collector.Output, StringComparison.Ordinal);
        }

        Assert.True(File.Exists(Path.Combine(_data.Path, "dedup.ckpt")), "the checkpoint is written at shutdown");
        using (var restarted = await CollectorProcess.StartAsync(_data.Path))
        {
            using var channel = GrpcChannel.ForAddress(restarted.GrpcUri);
            var ack = await new TelemetryCollector.CollectorClient(channel).SendAsync(Events.Batch("restart-source", 51, 100));
            Assert.Equal(50u, ack.Duplicates);
            Assert.Equal(50u, ack.Accepted);
            Assert.Equal(150ul, ack.DurableThrough);
            await restarted.StopAsync();
        }

        var stored = await LogContents.ReadDirectoryAsync(_data.Path);
        Assert.Equal(Enumerable.Range(1, 150).Select(i => (ulong)i), stored.Select(e => e.Sequence));
    }

    [Fact]
    public async Task Sigterm_OpenStream_PendingAcksThenUnavailableAndLogCommitted()
    {
        using var collector = await CollectorProcess.StartAsync(_data.Path);
        using var channel = GrpcChannel.ForAddress(collector.GrpcUri);
        using var call = new TelemetryCollector.CollectorClient(channel).Stream();
        await call.RequestStream.WriteAsync(Events.Batch("sigterm-source", 1, 100));
        Assert.Equal(100ul, (await call.ResponseStream.ReadNextAsync())!.DurableThrough);

        var stopping = collector.StopAsync();
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.ReadNextAsync());
        await stopping;

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Contains("shutting down", error.Status.Detail, StringComparison.Ordinal);
        var stored = await LogContents.ReadDirectoryAsync(_data.Path);
        Assert.Equal(100, stored.Count);
    }

    /// <summary>Streams until 40 batches are acknowledged, then kills the collector with batches still in flight.</summary>
    private static async Task<(ulong AckedThrough, ulong SentThrough)> StreamUntilKilledAsync(CollectorProcess collector)
    {
        using var channel = GrpcChannel.ForAddress(collector.GrpcUri);
        var call = new TelemetryCollector.CollectorClient(channel).Stream();
        ulong sentThrough = 0;
        using var stopWriting = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            // Until the collector dies under us.
            for (ulong first = 1; !stopWriting.IsCancellationRequested && await call.RequestStream.TryWriteAsync(Events.Batch("crash-source", first, BatchSize)); first += BatchSize)
            {
                Volatile.Write(ref sentThrough, first + BatchSize - 1);
            }
        });

        ulong ackedThrough = 0;
        var acks = 0;
        try
        {
            while (await call.ResponseStream.ReadNextAsync() is { } ack)
            {
                ackedThrough = ack.DurableThrough;
                if (++acks == 40)
                {
                    await collector.KillAsync();
                }
            }
        }
        catch (RpcException)
        {
            // Expected: the connection is gone.
        }

        await stopWriting.CancelAsync();
        await writer;
        call.Dispose();
        return (ackedThrough, Volatile.Read(ref sentThrough));
    }
}
