using Collector.Tests.Infrastructure;

namespace Collector.Tests.Storage;

/// <summary>
/// A log's page and segment sizes are fixed when it is made (kept in log-geometry): restarting with another
/// --max-receive-message-bytes or --log-segment-bytes must read every entry as before, or, where the old pages cannot
/// hold the new limit, refuse as a configuration error that says why. Found by the torture suite: a larger message
/// limit once meant larger pages, and the next start took the log's page padding for damage and refused (exit 3),
/// with --repair as the only way on, giving up acknowledged events.
/// </summary>
public sealed class LogGeometryTests : IDisposable
{
    private const int Count = 150_000;

    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task LargerMessageLimitThanThePagesHold_StartRefusedAsConfiguration_LogUntouched()
    {
        await FillAsync();

        var (collector, exitCode, output) = await CollectorProcess.StartOrExitAsync(_data.Path, "--max-receive-message-bytes", "16777216");
        collector?.Dispose();

        Assert.Null(collector);
        Assert.Equal(2, exitCode);
        Assert.Contains("configuration error: Collector:MaxReceiveMessageBytes: the log in", output, StringComparison.Ordinal);
        Assert.Contains("made with 8 MiB pages", output, StringComparison.Ordinal);
        Assert.Equal(Count, (await LogContents.ReadDirectoryAsync(_data.Path)).Count);
    }

    [Fact]
    public async Task LogMadeWithLargePages_RestartedWithTheDefaultLimit_EveryEventReadAndMoreTaken()
    {
        await FillAsync("--max-receive-message-bytes", "16777216");
        Assert.Equal("page-bits 25 segment-bits 30\n", await File.ReadAllTextAsync(Path.Combine(_data.Path, "log-geometry")));

        using (var collector = await CollectorProcess.StartAsync(_data.Path))
        {
            Assert.Equal(1_000, await EventStreamer.SendAsync(collector.GrpcUri, "geometry", Count + 1, 1_000, batchSize: 1_000));
            await collector.StopAsync();
        }

        var stored = await LogContents.ReadDirectoryAsync(_data.Path);
        Assert.Equal(Enumerable.Range(1, Count + 1_000).Select(s => (ulong)s), stored.Select(e => e.Sequence));
    }

    [Fact]
    public async Task SmallSegments_ManySegmentFiles_ReadWholeAfterARestartWithAnotherSegmentSize()
    {
        await FillAsync("--log-segment-bytes", "16777216");
        Assert.True(Directory.GetFiles(Path.Combine(_data.Path, "log"), "segment.*").Length >= 2, "the log should span several 16 MiB segments");

        using (var collector = await CollectorProcess.StartAsync(_data.Path, "--log-segment-bytes", "1073741824"))
        {
            Assert.Equal(1_000, await EventStreamer.SendAsync(collector.GrpcUri, "geometry", Count + 1, 1_000, batchSize: 1_000));
            await collector.StopAsync();
        }

        Assert.Equal("page-bits 23 segment-bits 24\n", await File.ReadAllTextAsync(Path.Combine(_data.Path, "log-geometry")));
        Assert.Equal(Count + 1_000, (await LogContents.ReadDirectoryAsync(_data.Path)).Count);
    }

    [Fact]
    public async Task LogWithoutGeometryFile_AdoptsTheSettingsItWasMadeWith()
    {
        await FillAsync();
        File.Delete(Path.Combine(_data.Path, "log-geometry"));

        using (var collector = await CollectorProcess.StartAsync(_data.Path))
        {
            await collector.StopAsync();
        }

        Assert.Equal("page-bits 23 segment-bits 30\n", await File.ReadAllTextAsync(Path.Combine(_data.Path, "log-geometry")));
        Assert.Equal(Count, (await LogContents.ReadDirectoryAsync(_data.Path)).Count);
    }

    [Fact]
    public async Task DamagedGeometryFile_StartRefusedNamingIt_RepairWritesItAgain()
    {
        await FillAsync();
        await File.WriteAllTextAsync(Path.Combine(_data.Path, "log-geometry"), "page-bits 9x");

        var (collector, exitCode, output) = await CollectorProcess.StartOrExitAsync(_data.Path);
        collector?.Dispose();
        Assert.Null(collector);
        Assert.Equal(3, exitCode);
        Assert.Contains("log-geometry is damaged", output, StringComparison.Ordinal);
        Assert.Contains("--repair", output, StringComparison.Ordinal);

        using (var repaired = await CollectorProcess.StartAsync(_data.Path, "--repair"))
        {
            await repaired.StopAsync();
        }

        Assert.Equal("page-bits 23 segment-bits 30\n", await File.ReadAllTextAsync(Path.Combine(_data.Path, "log-geometry")));
        Assert.Equal(Count, (await LogContents.ReadDirectoryAsync(_data.Path)).Count);
    }

    /// <summary>About 25 MB of events: several 8 MiB pages, so page padding lies inside the committed log.</summary>
    private async Task FillAsync(params string[] args)
    {
        using var collector = await CollectorProcess.StartAsync(_data.Path, args);
        Assert.Equal(Count, await EventStreamer.SendAsync(collector.GrpcUri, "geometry", 1, Count, batchSize: 1_000));
        await collector.StopAsync();
    }
}
