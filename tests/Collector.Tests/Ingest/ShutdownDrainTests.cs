using Collector.Protocol.Telemetry.V1;
using Collector.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Net.Client;
using TelemetryCollector = Collector.Protocol.Telemetry.V1.Collector;

namespace Collector.Tests.Ingest;

/// <summary>
/// SIGTERM in the middle of a stream that is still sending: the collector stops reading, writes the Ack of every
/// batch it ingested, and only then ends the stream UNAVAILABLE. So what the log holds afterwards is exactly what was
/// acknowledged: nothing ingested goes without its Ack, nothing acknowledged is missing.
/// </summary>
public sealed class ShutdownDrainTests : IDisposable
{
    private const int BatchSize = 100;
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Sigterm_WhileStreaming_EveryIngestedBatchAckedThenUnavailable_LogHoldsExactlyTheAcked()
    {
        using var collector = await CollectorProcess.StartAsync(_data.Path);
        using var channel = GrpcChannel.ForAddress(collector.GrpcUri);
        using var call = new TelemetryCollector.CollectorClient(channel).Stream();
        using var stopWriting = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            try
            {
                for (ulong first = 1; !stopWriting.IsCancellationRequested; first += BatchSize)
                {
                    await call.RequestStream.WriteAsync(Events.Batch("drain-source", first, BatchSize));
                }
            }
            catch (Exception ex) when (ex is RpcException or InvalidOperationException or IOException)
            {
                // The call ended under the writer: what it wrote last may never have been read.
            }
        });

        // Acknowledged batches before the stop prove the stream is in full flow when SIGTERM arrives.
        var acks = new List<Ack>();
        while (acks.Count < 20 && await call.ResponseStream.MoveNext(CancellationToken.None))
        {
            acks.Add(call.ResponseStream.Current);
        }

        var stopping = collector.StopAsync();
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
                acks.Add(call.ResponseStream.Current);
            }
        });
        await stopping;
        await stopWriting.CancelAsync();
        await writer;

        Assert.True(error.StatusCode == StatusCode.Unavailable, $"{error.Status}; the collector said:\n{collector.Output}");
        Assert.Contains("shutting down", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(Enumerable.Range(1, acks.Count).Select(i => (ulong)(i * BatchSize)), acks.Select(ack => ack.DurableThrough));
        var stored = await LogContents.ReadDirectoryAsync(_data.Path);
        Assert.Equal(Enumerable.Range(1, acks.Count * BatchSize).Select(i => (ulong)i), stored.Select(e => e.Sequence));
    }
}
