using Collector.Tests.Infrastructure;

namespace Collector.Tests.Forwarder;

/// <summary>
/// A damaged commit record on a loaded, killed edge (issue 12): after the restart every acknowledged event still
/// reaches the core exactly once, and so does what is acknowledged after the restart; or the start is refused with
/// a message that names the record. Never a healthy start on a record that points past the data.
/// </summary>
public sealed class CommitRecordDamageTests : IDisposable
{
    private const int Sources = 2;
    private const int PerSource = 10_000;
    private const int AfterRestart = 2_000;
    private const string AfterRestartSource = "after-restart";

    private readonly EdgeAndCore _pair = new();

    public void Dispose() => _pair.Dispose();

    public static TheoryData<string> Damages() => ["begin-bit-45", "begin-bit-45-checksum-not-fixed", "until-minus-512", "until-plus-4096", "until-high-byte", "begin-64-to-320"];

    [Theory]
    [MemberData(nameof(Damages))]
    public async Task NewestRecordDamaged_Restart_EveryAcknowledgedEventForwardedExactlyOnce(string damage)
    {
        await LoadAndKillEdgeAsync();
        var newest = CommitRecordFile.Newest(_pair.EdgeData);
        var (before, after) = Damage(newest, damage);

        using (var edge = await StartEdgeAsync())
        {
            Assert.Equal(AfterRestart, await EventStreamer.SendAsync(edge.GrpcUri, AfterRestartSource, 1, AfterRestart));
            using var core = await StartCoreAsync();
            await core.WaitForHealthAsync(
                h => h.GetProperty("ingest").GetProperty("accepted").GetInt64() >= (Sources * PerSource) + AfterRestart,
                TimeSpan.FromSeconds(90),
                $"{damage} ({before} -> {after}): every acknowledged event at the core");
            await core.StopAsync();
            Assert.Contains($"Commit record {newest} is damaged", edge.Output, StringComparison.Ordinal);
        }

        var stored = await LogContents.ReadDirectoryAsync(_pair.CoreData);
        foreach (var (source, count) in Expected())
        {
            Assert.Equal(Enumerable.Range(1, count).Select(i => (ulong)i), stored.Where(e => e.SourceId == source).Select(e => e.Sequence));
        }

        Assert.Equal((Sources * PerSource) + AfterRestart, stored.Count);
    }

    [Fact]
    public async Task BothRecordsDamaged_StartRefusedWithExitCode3_NamingTheRecordAndTheWayOut()
    {
        await LoadAndKillEdgeAsync();
        var records = CommitRecordFile.All(_pair.EdgeData);
        Assert.True(records.Count >= 2, $"the previous commit record is kept to fall back to: {string.Join(", ", records)}");
        foreach (var record in records)
        {
            Damage(record, "until-plus-4096");
        }

        var (exitCode, output) = await CollectorProcess.RunToExitAsync(
            new Dictionary<string, string>(),
            ["--data-dir", _pair.EdgeData, "--grpc-url", $"http://127.0.0.1:{FreePort.Next()}", "--http-url", $"http://127.0.0.1:{FreePort.Next()}"]);
        Assert.Equal(3, exitCode);
        Assert.Contains($"refusing to start: the log's commit record {records[0]} is damaged", output, StringComparison.Ordinal);
        Assert.Contains("move the data directory aside", output, StringComparison.Ordinal);
    }

    private static (long Before, long After) Damage(string record, string damage) => damage switch
    {
        "begin-bit-45" => CommitRecordFile.Damage(record, CommitRecordFile.BeginOffset, v => v ^ (1L << 45)),
        "begin-bit-45-checksum-not-fixed" => CommitRecordFile.Damage(record, CommitRecordFile.BeginOffset, v => v ^ (1L << 45), fixChecksum: false),
        "until-minus-512" => CommitRecordFile.Damage(record, CommitRecordFile.UntilOffset, v => v - 512),
        "until-plus-4096" => CommitRecordFile.Damage(record, CommitRecordFile.UntilOffset, v => v + 4096),
        "until-high-byte" => CommitRecordFile.Damage(record, CommitRecordFile.UntilOffset, v => v ^ (0x7FL << 56)),
        "begin-64-to-320" => CommitRecordFile.Damage(record, CommitRecordFile.BeginOffset, v => v == 64 ? 320 : throw new InvalidOperationException($"begin is {v}")),
        _ => throw new ArgumentOutOfRangeException(nameof(damage), damage, null),
    };

    private static IEnumerable<(string Source, int Count)> Expected() =>
        Enumerable.Range(0, Sources).Select(s => ($"damage-source-{s}", PerSource)).Append((AfterRestartSource, AfterRestart));

    /// <summary>The core is away: the edge acknowledges everything into its log; then kill -9.</summary>
    private async Task LoadAndKillEdgeAsync()
    {
        using var edge = await StartEdgeAsync();
        const int Half = PerSource / 2;
        var first = await Task.WhenAll(Enumerable.Range(0, Sources).Select(s => EventStreamer.SendAsync(edge.GrpcUri, $"damage-source-{s}", 1, Half)));

        // Sent only once the first half is acknowledged, so at least one more commit follows: the newest record (the
        // one damaged) always has an older one to fall back to, even on a machine so loaded that one commit took it all.
        var second = await Task.WhenAll(Enumerable.Range(0, Sources).Select(s => EventStreamer.SendAsync(edge.GrpcUri, $"damage-source-{s}", Half + 1, PerSource - Half)));
        Assert.Equal(Sources * PerSource, first.Sum() + second.Sum());
        await edge.KillAsync();
    }

    private Task<CollectorProcess> StartEdgeAsync(params string[] extra) => _pair.StartEdgeAsync(extra);

    private Task<CollectorProcess> StartCoreAsync() => _pair.StartCoreAsync();
}
