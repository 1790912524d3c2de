using Collector.Tests.Infrastructure;

namespace Collector.Tests.Ingest;

/// <summary>
/// SIGTERM in the middle of a stream that is still sending: the collector stops reading, writes the Ack of every
/// batch it ingested, and only then ends the stream UNAVAILABLE. So what the log holds afterwards is what was
/// acknowledged: nothing ingested goes without its Ack, nothing acknowledged is missing.
/// </summary>
/// <remarks>
/// The client is grpcio, a real third-party peer, writing flat out. In one shutdown in fifteen to thirty its
/// connection is closed under it before it reads the end of the response (see <c>UnfinishedRequestDrain</c>): grpcio
/// then says UNAVAILABLE "Socket closed", may miss the last Acks, and resends; what it did read must still be true.
/// </remarks>
public sealed class ShutdownDrainTests : IDisposable
{
    private const int BatchSize = 100;
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Sigterm_WhileStreaming_EveryIngestedBatchAckedThenUnavailable_LogHoldsExactlyTheAcked()
    {
        using var collector = await CollectorProcess.StartAsync(_data.Path);
        string[] args = ["client-stream-until-end", "--target", $"127.0.0.1:{collector.GrpcUri.Port}", "--source", "drain-source", "--batch", $"{BatchSize}", "--flowing-after", "20"];
        using var client = PythonPeer.StartClient(args);

        // Acknowledged batches before the stop prove the stream is in full flow when SIGTERM arrives.
        Assert.True(await PythonPeer.WaitForLineAsync(client, "FLOWING", TimeSpan.FromSeconds(60)), $"the stream never flowed; the collector said:\n{collector.Output}");
        await collector.StopAsync();
        var result = await PythonPeer.FinishClientAsync(client, args);

        var acks = result.GetProperty("acks").EnumerateArray().Select(ack => ack.GetUInt64()).ToList();
        var details = result.GetProperty("details").GetString()!;
        var toldWhy = details.Contains("the collector is shutting down", StringComparison.Ordinal);
        Assert.True(result.GetProperty("code").GetString() == "UNAVAILABLE" && (toldWhy || details == "Socket closed"), $"{result}; the collector said:\n{collector.Output}");
        Assert.True(result.GetProperty("batches_sent").GetInt32() > acks.Count, "the client was not sending any more when the collector stopped");
        Assert.Equal(Enumerable.Range(1, acks.Count).Select(i => (ulong)(i * BatchSize)), acks);

        // The log: every acknowledged event, in order, nothing twice; with the status read, nothing beyond them either.
        var stored = (await LogContents.ReadDirectoryAsync(_data.Path)).Select(e => e.Sequence).ToList();
        Assert.Equal(Enumerable.Range(1, stored.Count).Select(i => (ulong)i), stored);
        Assert.True(stored.Count >= acks.Count * BatchSize, $"{acks.Count * BatchSize} events acknowledged, {stored.Count} in the log");
        if (toldWhy)
        {
            Assert.Equal(acks.Count * BatchSize, stored.Count);
        }
    }
}
