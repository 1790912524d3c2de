using System.Globalization;
using Collector.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Collector.Tests.Torture;

/// <summary>
/// ClickHouse taken away from a core collector under a sustained load from resending senders (issue 14, scenario 2):
/// - killed (SIGKILL), then started again on its data;
/// - hung: the process stopped (SIGSTOP), its sockets still taking connections, then continued (SIGCONT), so it goes
///   on with whatever waited in them, inserts the batcher gave up on included; once more with the collector killed
///   (-9) and restarted while ClickHouse hangs, so the last insert of the killed process is among them;
/// - answering errors: the collector's ClickHouse user made read-only in users.xml (every insert refused, code 164),
///   as an operator's mistake would, then writable again.
/// Throughout, the collector acknowledges ingest into its log; afterwards the batcher catches up, and every
/// acknowledged event is in ClickHouse exactly once with the contents it was sent with. Reported: the catch-up rate
/// (rows from ClickHouse's return until the batcher's lag is 0) against ClickHouse's own insert rate in the same run.
/// Each fault lasts COLLECTOR_TORTURE_OUTAGE_SECONDS (10 by default; the full mode runs 60).
/// </summary>
public sealed class ClickHouseFaultsUnderLoadTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _data = new();

    private static TimeSpan Outage => CoreUnderLoad.FaultDuration;

    public void Dispose() => _data.Dispose();

    [Theory]
    [InlineData("killed")]
    [InlineData("hung")]
    [InlineData("hung-collector-killed")]
    [InlineData("read-only")]
    public async Task ClickHouseFaultUnderLoad_CollectorAcknowledgesThroughout_EveryAcknowledgedEventStoredOnceIntact(string fault)
    {
        await using var clickHouse = await ClickHouseServer.StartAsync();

        // A request timeout below the outage, so that a hung server is given up on (and retried) while it hangs; small
        // inserts, often, so that one is in flight when the fault comes and small enough to wait whole in its sockets.
        await using var core = await CoreUnderLoad.StartAsync(
            $"clickhouse-{fault}", clickHouse, _data.Path, "--clickhouse-user", "collector", "--clickhouse-password", ClickHouseServer.CollectorPassword, "--clickhouse-timeout-ms", "3000", "--clickhouse-batch-delay-ms", "100");
        core.StartLoad();
        await core.WaitForStoredAsync(10_000, TimeSpan.FromSeconds(60));

        var ackedBefore = core.Acknowledged;
        await Of(fault).Begin(clickHouse);
        if (fault == "hung-collector-killed")
        {
            await Task.Delay(Outage / 2);
            await core.KillAndRestartCollectorAsync();
            await Task.Delay(Outage / 2);
        }
        else
        {
            await Task.Delay(Outage);
        }

        var ackedDuring = core.Acknowledged - ackedBefore;
        var healthDuring = await core.Collector.HealthAsync();
        await Of(fault).End(clickHouse);
        var catchUp = await core.FinishAndCatchUpAsync(DateTime.UtcNow, TimeSpan.FromMinutes(5));
        var oracle = await ClickHouseOracle.CheckAsync(clickHouse, core.Database, core.Senders);
        var figures = string.Create(
            CultureInfo.InvariantCulture,
            $"{ackedDuring:N0} acknowledged during the outage; {Count(core, "ClickHouse insert of")} failed inserts, {Count(core, "are in ClickHouse already")} found stored after all; {catchUp}; {oracle.Rollups}");
        output.WriteLine($"{fault}, {Outage.TotalSeconds} s: {figures}\n{oracle.Details}");
        TortureReport.Add($"ClickHouse {Of(fault).Description} under load (core, 3 resending sources)", $"1 run, {Outage.TotalSeconds} s", oracle.Acknowledged, oracle.Lost, oracle.Duplicated, figures);

        oracle.AssertExactlyOnce(fault);
        Assert.True(ackedDuring >= 5_000, $"{fault}: only {ackedDuring} events acknowledged in {Outage.TotalSeconds} s of outage\n{core.Collector.Output}");
        Assert.Equal("healthy", healthDuring.GetProperty("status").GetString());
        Assert.False(string.IsNullOrEmpty(healthDuring.GetProperty("clickhouse").GetProperty("last_error").GetString()), $"{fault}: no last_error during the outage: {healthDuring}");
        await core.Collector.StopAsync();
        Assert.False(core.Collector.Output.Contains("crit:", StringComparison.Ordinal), $"a critical error in the collector's log:\n{core.Collector.Output}");
    }

    /// <summary>Lines of the (last) collector's log that hold <paramref name="text"/>.</summary>
    private static int Count(CoreUnderLoad core, string text) => core.Collector.Output.Split('\n').Count(line => line.Contains(text, StringComparison.Ordinal));

    private static Fault Of(string name) => name switch
    {
        "killed" => new("killed (SIGKILL) and restarted", server => server.KillAsync(), server => server.RestartAsync()),
        "hung" => new("hung (SIGSTOP, then SIGCONT)", Pause, Resume),
        "hung-collector-killed" => new("hung (SIGSTOP, then SIGCONT), the collector killed (-9) and restarted meanwhile", Pause, Resume),
        "read-only" => new("answering errors (its user made read-only, then writable)", server => server.SetCollectorReadOnlyAsync(true), server => server.SetCollectorReadOnlyAsync(false)),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "no such fault"),
    };

    private static Task Pause(ClickHouseServer server)
    {
        server.Pause();
        return Task.CompletedTask;
    }

    private static Task Resume(ClickHouseServer server)
    {
        server.Resume();
        return Task.CompletedTask;
    }

    private sealed record Fault(string Description, Func<ClickHouseServer, Task> Begin, Func<ClickHouseServer, Task> End);
}
