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
    public async Task ForwarderMeetsEntryWithImpossibleLength_StepsOverItCountedAndKeepsRunning()
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

        // Once this ended the host (exit 1, and again at every start); a damaged entry is now stepped over, counted
        // and logged (issue 14), and the collector keeps running.
        using var restarted = await CollectorProcess.StartAsync(_data.Path, args[2..]);
        await restarted.WaitForOutputAsync($"Log entry at {second} is damaged", TimeSpan.FromSeconds(30));
        using var http = new HttpClient();
        var metrics = await http.GetStringAsync(new Uri(restarted.HttpUri, "/metrics"));
        Assert.Matches(@"collector_log_entries_skipped_total [1-9]", metrics);
        await restarted.StopAsync();
    }
}
