using System.Buffers.Binary;
using Collector.Storage.Log;
using Collector.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace Collector.Tests.Hosting;

/// <summary>A failure that ends the collector ends it with a non-zero exit code, so a supervisor restarts it.</summary>
public sealed class FatalFailureExitTests : IDisposable
{
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task ForwarderFailsOnUnreadableEntry_ProcessExitsNonZero()
    {
        // Small pages (4 MiB), so the log spans two and the damaged entry lies outside the last one.
        string[] args = ["--data-dir", _data.Path, "--max-receive-message-bytes", "1048576", "--upstream-url", $"http://127.0.0.1:{FreePort.Next()}"];
        using (var edge = await CollectorProcess.StartAsync(_data.Path, args[2..]))
        {
            await Task.WhenAll(Enumerable.Range(0, 2).Select(s => EventStreamer.SendAsync(edge.GrpcUri, $"fatal-source-{s}", 1, 20_000)));
            await edge.StopAsync();
        }

        long second, end;
        await using (var log = DurableLog.Open(new DurableLogOptions { DataDirectory = _data.Path, MaxMessageBytes = 1048576 }, NullLogger.Instance))
        {
            var addresses = new List<long>();
            await foreach (var record in log.ReadCommittedAsync(0))
            {
                addresses.Add(record.Address);
            }

            (second, end) = (addresses[1], log.CommittedUntilAddress);
        }

        Assert.True(end > 4 << 20, $"the log ends at {end}, within its first page");

        // The second entry's length field (after its 8-byte checksum) now claims more than a page.
        using (var segment = File.OpenHandle(Path.Combine(_data.Path, "log", "segment.0"), FileMode.Open, FileAccess.ReadWrite))
        {
            var length = new byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(length, 0x7FFF_FFF0);
            RandomAccess.Write(segment, length, second + 8);
        }

        // The dedup checkpoint was written at the clean stop, so the start reads nothing; the forwarder's backlog count
        // reads the log from its cursor and fails, and with it the host.
        var (exitCode, output) = await CollectorProcess.RunToExitAsync(
            new Dictionary<string, string>(),
            [.. args, "--grpc-url", $"http://127.0.0.1:{FreePort.Next()}", "--http-url", $"http://127.0.0.1:{FreePort.Next()}"]);
        Assert.Contains("Invalid length of record", output, StringComparison.Ordinal);
        Assert.NotEqual(0, exitCode);
        Assert.Equal(1, exitCode);
        Assert.Contains("fatal: the collector stopped on a failure", output, StringComparison.Ordinal);
    }
}
