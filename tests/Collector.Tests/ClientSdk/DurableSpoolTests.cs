using System.Buffers.Binary;
using System.Globalization;
using Collector.Protocol.Telemetry.V1;
using Collector.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Collector.Tests.ClientSdk;

/// <summary>
/// The ClientSdk's durable mode against real processes: a service (tests/TelemetryClientProcess) killed with -9 while
/// the collector is down, restarted, and a real collector process that must end up with every event the service had
/// made durable, exactly once and intact, and with nothing else.
/// </summary>
public sealed class DurableSpoolTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task DurableMode_ServiceKilledTwiceWhileCollectorDown_EverySyncedEventStoredOnceAfterRestart()
    {
        var grpcPort = FreePort.Next();
        var collectorUri = new Uri($"http://127.0.0.1:{grpcPort}");
        var spool = Path.Combine(_data.Path, "spool");
        var source = $"durable-kill-{Guid.NewGuid():N}";

        // Two lives under one source id, each killed while it is still logging; nothing listens at the collector's port.
        var lives = new List<(long First, ClientProcessStats AtKill)>();
        foreach (var first in new long[] { 0, 1_000_000 })
        {
            using var service = await TelemetryClientProcess.StartAsync(collectorUri, ["--spool", spool, "--source", source, "--events", "400000", "--first", Text(first)]);
            await service.WaitForStatsAsync(s => s.Spooled >= 50_000, Timeout, "50,000 events spooled");
            await service.KillAsync();

            // Every figure of a line it printed was true before the kill: Spooled events had their group fsync completed.
            var atKill = service.LastStats()!;
            Assert.Equal(0, atKill.Acknowledged);
            Assert.True(atKill.Logged < 400_000, $"the kill should land while the service logs: {atKill}");
            lives.Add((first, atKill));
        }

        var collectorDir = Path.Combine(_data.Path, "collector");
        using var collector = await CollectorProcess.StartAsync(collectorDir, grpcPort, FreePort.Next());
        ClientProcessStats final;
        using (var restarted = await TelemetryClientProcess.StartAsync(collectorUri, ["--spool", spool, "--source", source, "--exit-when-flushed"]))
        {
            Assert.Equal(0, await restarted.WaitForExitAsync(Timeout));
            Assert.Contains("exited", restarted.Output, StringComparison.Ordinal);
            final = restarted.LastStats()!;
        }

        Assert.Equal(0, final.Pending);
        Assert.Equal(0, final.Dropped);
        Assert.Empty(Directory.GetFiles(spool, "*.seg"));
        await collector.StopAsync();

        var stored = await LogContents.ReadDirectoryAsync(collectorDir);
        Assert.All(stored, e => Assert.Equal(source, e.SourceId));
        Assert.All(stored, e => Assert.Equal("n" + Text((long)e.Event.Value), e.Event.Status));
        var delivered = 0L;
        foreach (var (first, atKill) in lives)
        {
            // What a life spooled is a prefix of what it logged: the values from its first on, each once, no gap.
            var values = stored.Select(e => (long)e.Event.Value).Where(v => v >= first && v < first + 1_000_000).Order().ToList();
            Assert.Equal(Enumerable.Range(0, values.Count).Select(i => first + i), values);
            Assert.True(values.Count >= atKill.Spooled, $"life from {first}: {values.Count} stored, {atKill.Spooled} had been fsync'd");
            delivered += values.Count;
            output.WriteLine($"life from {first}: last stats before the kill {atKill}; stored {values.Count} (logged after that line's fsync'd count and stored anyway: {values.Count - atKill.Spooled})");
        }

        Assert.Equal(delivered, stored.Count);
        Assert.Equal(stored.Count, stored.Select(e => e.Sequence).Distinct().Count());
        output.WriteLine($"restarted client: {final}");
    }

    [Theory]
    [InlineData("garbage appended")]
    [InlineData("last record truncated")]
    [InlineData("byte flipped in the last record")]
    public async Task DurableMode_DamagedSpoolTail_CutCountedAndNeverSent(string damage)
    {
        var grpcPort = FreePort.Next();
        var collectorUri = new Uri($"http://127.0.0.1:{grpcPort}");
        var spool = Path.Combine(_data.Path, "spool");
        const int Events = 5000;
        using (var service = await TelemetryClientProcess.StartAsync(collectorUri, ["--spool", spool, "--events", Text(Events)]))
        {
            await service.WaitForStatsAsync(s => s.Spooled == Events, Timeout, "every event spooled");
            await service.KillAsync();
        }

        // The spool's records, read by this test's own reader of the format, then damaged at the newest one's tail.
        var segments = Directory.GetFiles(spool, "*.seg").Order(StringComparer.Ordinal).ToList();
        var batches = segments.SelectMany(SpoolFileRecords.Read).Where(r => r.Kind == 1).ToList();
        Assert.True(batches.Count >= 2, $"the spool should hold several batch records, it holds {batches.Count}");
        var segment = segments[^1];
        var last = SpoolFileRecords.Read(segment).Last(r => r.Kind == 1);
        Assert.Equal(last.Offset + last.Length, new FileInfo(segment).Length);
        var expected = batches.SelectMany(b => b.Values).ToList();
        Assert.Equal(Events, expected.Count);
        long cut;
        using (var file = new FileStream(segment, FileMode.Open, FileAccess.ReadWrite))
        {
            switch (damage)
            {
                case "garbage appended":
                    var garbage = new byte[1000];
                    new Random(14).NextBytes(garbage);
                    file.Seek(0, SeekOrigin.End);
                    file.Write(garbage);
                    cut = garbage.Length;
                    break;
                case "last record truncated":
                    file.SetLength(last.Offset + (last.Length / 2));
                    cut = last.Length / 2;
                    expected = [.. expected.Take(expected.Count - last.Values.Length)];
                    break;
                default:
                    file.Seek(last.Offset + (last.Length / 2), SeekOrigin.Begin);
                    var original = file.ReadByte();
                    file.Seek(-1, SeekOrigin.Current);
                    file.WriteByte((byte)(original ^ 0x5A));
                    cut = last.Length;
                    expected = [.. expected.Take(expected.Count - last.Values.Length)];
                    break;
            }
        }

        var collectorDir = Path.Combine(_data.Path, "collector");
        using var collector = await CollectorProcess.StartAsync(collectorDir, grpcPort, FreePort.Next());
        using (var restarted = await TelemetryClientProcess.StartAsync(collectorUri, ["--spool", spool, "--exit-when-flushed"]))
        {
            Assert.Equal(0, await restarted.WaitForExitAsync(Timeout));
            var final = restarted.LastStats()!;
            Assert.Equal(cut, final.Cut);
            Assert.Equal(expected.Count, final.Acknowledged);
            Assert.Contains("log 5004 ", restarted.Output, StringComparison.Ordinal);
            output.WriteLine($"{damage}: {final}");
        }

        await collector.StopAsync();
        var stored = await LogContents.ReadDirectoryAsync(collectorDir);
        Assert.Equal(expected, stored.Select(e => (long)e.Event.Value));
        Assert.All(stored, e => Assert.Equal(("DURABLE", "svc", "n" + Text((long)e.Event.Value)), (e.Event.EventType, e.Event.Component, e.Event.Status)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task DefaultMode_ServiceLogsWhileCollectorAway_NothingWrittenToDisk(bool durable)
    {
        // The process's working directory, home and temp directory are one empty directory; durable mode is the
        // control that shows this test sees a spool when there is one.
        var home = Path.Combine(_data.Path, "home");
        Directory.CreateDirectory(home);
        string[] args = durable ? ["--events", "20000", "--spool", Path.Combine(home, "spool")] : ["--events", "20000"];
        using var service = await TelemetryClientProcess.StartAsync(new Uri($"http://127.0.0.1:{FreePort.Next()}"), args, start =>
        {
            start.WorkingDirectory = home;
            start.Environment["HOME"] = home;
            start.Environment["TMPDIR"] = home;
            start.Environment["DOTNET_EnableDiagnostics"] = "0";
        });
        var stats = await service.WaitForStatsAsync(s => s.Logged == 20_000 && (!durable || s.Spooled == 20_000), Timeout, "every event logged");

        var writing = OpenFiles.ForWriting(service.ProcessId);
        var files = Directory.GetFiles(home, "*", SearchOption.AllDirectories);
        output.WriteLine($"durable={durable}: {stats}; open for writing: [{string.Join(", ", writing)}]; files: [{string.Join(", ", files)}]");
        if (durable)
        {
            Assert.Contains(writing, f => f.EndsWith(".seg", StringComparison.Ordinal));
            Assert.NotEmpty(files);
        }
        else
        {
            Assert.Empty(writing);
            Assert.Empty(files);
            Assert.Equal((0L, 0L, 0L, 20_000L), (stats.Spooled, stats.SpoolBytes, stats.Pending, stats.Buffered));
        }

        await service.KillAsync();
    }

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// A spool segment's records as src/ClientSdk/Durable/SpoolRecord.cs documents the format (an 8-byte file header,
    /// then length u32, CRC-32C u32, kind u8, payload; a batch's payload is count u32, first sequence u64, EventBatch),
    /// read without the SDK's code. Stops at the first record that is not whole.
    /// </summary>
    private static class SpoolFileRecords
    {
        public static List<(long Offset, int Length, byte Kind, long[] Values)> Read(string path)
        {
            var bytes = File.ReadAllBytes(path);
            var records = new List<(long, int, byte, long[])>();
            var offset = 8;
            while (offset + 9 <= bytes.Length)
            {
                var length = 8 + (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset));
                if (offset + length > bytes.Length)
                {
                    break;
                }

                var kind = bytes[offset + 8];
                var values = kind == 1
                    ? EventBatch.Parser.ParseFrom(bytes.AsSpan(offset + 21, length - 21)).Events.Select(e => (long)e.Value).ToArray()
                    : [];
                records.Add((offset, length, kind, values));
                offset += length;
            }

            return records;
        }
    }

    /// <summary>Regular files a process holds open for writing, from /proc (memfd mappings of the runtime aside).</summary>
    private static class OpenFiles
    {
        public static List<string> ForWriting(int processId)
        {
            var found = new List<string>();
            foreach (var fd in Directory.GetFiles($"/proc/{processId}/fd"))
            {
                string? target;
                try
                {
                    target = new FileInfo(fd).LinkTarget;
                }
                catch (IOException)
                {
                    continue;
                }

                if (target is null || !target.StartsWith('/') || target.StartsWith("/dev/", StringComparison.Ordinal) || target.StartsWith("/memfd:", StringComparison.Ordinal))
                {
                    continue;
                }

                var flags = File.ReadLines($"/proc/{processId}/fdinfo/{Path.GetFileName(fd)}").First(l => l.StartsWith("flags:", StringComparison.Ordinal));
                var accessMode = Convert.ToInt32(flags["flags:".Length..].Trim(), 8) & 3;
                if (accessMode != 0)
                {
                    found.Add(target);
                }
            }

            return found;
        }
    }
}
