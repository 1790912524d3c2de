using Collector.Tests.Infrastructure;

namespace Collector.Tests.Install;

/// <summary>
/// deploy/install.sh in each profile against a scratch root, then the installed binary started with the installed
/// config: the files it wrote are the ones a host would get, and the collector runs on them.
/// </summary>
public sealed class InstallModeTests(PublishedRelease release) : InstallTest(release)
{
    [Fact]
    public async Task Install_ModeNone_LoopbackCollectorAnswersWithItsVersion()
    {
        var run = (await Root.InstallAsync("--mode", "none")).Succeeded("install --mode none");

        var settings = Root.Settings();
        Assert.Equal("http://127.0.0.1:4317", settings.GetProperty("GrpcUrl").GetString());
        Assert.Equal("http://127.0.0.1:4318", settings.GetProperty("HttpUrl").GetString());
        Assert.Equal("/var/lib/collector/data", settings.GetProperty("DataDir").GetString());
        Assert.False(settings.TryGetProperty("OtelEndpoint", out _), "mode none sends no telemetry of its own");
        Assert.False(settings.TryGetProperty("ApiKeysFile", out _), "loopback needs no keys");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, ScratchRoot.Mode(Root.At("/etc/collector/collector.json")));
        Assert.Equal(Release.Version, new FileInfo(Root.At("/opt/collector/current")).LinkTarget);
        Assert.Equal(Release.Version, File.ReadAllText(Root.At("/opt/collector/current/VERSION")).Trim());
        Assert.Contains("would run: systemctl restart collector.service", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("--uninstall", run.Stdout, StringComparison.Ordinal);

        using var collector = await InstalledCollector.StartAsync(Root);
        var health = await collector.HealthAsync();

        Assert.Equal(Release.Version, health.GetProperty("version").GetString());
        Assert.Equal("standalone", health.GetProperty("node").GetProperty("role").GetString());
        Assert.True(File.Exists(Root.At("/var/lib/collector/data/log-id")) || Directory.EnumerateFileSystemEntries(Root.At("/var/lib/collector/data")).Any(), "the log is in the installed data dir");
    }

    [Fact]
    public async Task Install_ModeRemote_ForwardsToTheUpstreamCollector()
    {
        using var upstreamData = new TempDirectory();
        using var upstream = await CollectorProcess.StartAsync(upstreamData.Path);
        var otelPort = FreePort.Next();
        (await Root.InstallAsync("--mode", "remote", "--upstream-url", upstream.GrpcUri.ToString().TrimEnd('/'), "--upstream-kind", "collector", "--otel-endpoint", $"http://127.0.0.1:{otelPort}"))
            .Succeeded("install --mode remote");

        var settings = Root.Settings();
        Assert.Equal(upstream.GrpcUri.ToString().TrimEnd('/'), settings.GetProperty("UpstreamUrl").GetString());
        Assert.Equal("collector", settings.GetProperty("UpstreamKind").GetString());
        Assert.Equal($"http://127.0.0.1:{otelPort}", settings.GetProperty("OtelEndpoint").GetString());

        using var collector = await InstalledCollector.StartAsync(Root);
        await collector.SendLogAsync();

        await upstream.WaitForHealthAsync(h => h.GetProperty("ingest").GetProperty("accepted").GetInt64() >= 1, TimeSpan.FromSeconds(30), "the event reaches the upstream");
        var health = await collector.HealthAsync();
        Assert.Equal("edge", health.GetProperty("node").GetProperty("role").GetString());
    }

    [Fact]
    public async Task Install_ModeRemoteOtlp_ForwardsAndReportsItselfToTheOtlpEndpoint()
    {
        await using var receiver = await OtlpReceiverProcess.StartAsync();
        var endpoint = receiver.Endpoint.ToString().TrimEnd('/');
        (await Root.InstallAsync("--mode", "remote", "--upstream-url", endpoint, "--upstream-kind", "otlp", "--otel-endpoint", endpoint))
            .Succeeded("install --mode remote --upstream-kind otlp");

        using var collector = await InstalledCollector.StartAsync(Root);
        await collector.SendLogAsync();

        // The event as a log record, and the collector's own spans (its forward span at least) under service.name collector.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!(receiver.ReadRecords().Any(r => r.GetProperty("body").GetString() == "installed and running")
                 && receiver.ReadSpans().Any(s => s.GetProperty("resource").TryGetProperty("service.name", out var name) && name.GetString() == "collector")))
        {
            Assert.True(DateTime.UtcNow < deadline, $"no forwarded record and self-telemetry span in 30 s; records {receiver.ReadRecords().Count}, spans {receiver.ReadSpans().Count}\n{receiver.Errors}\n{collector.Output}");
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task Install_ModeLocal_StoresIntoClickHouseAndInstallsTheStackFiles()
    {
        await using var clickHouse = await ClickHouseServer.StartAsync();
        var run = (await Root.InstallAsync("--mode", "local", "--no-packages")).Succeeded("install --mode local");

        var settings = Root.Settings();
        Assert.Equal("http://127.0.0.1:8123", settings.GetProperty("ClickHouseUrl").GetString());
        Assert.Equal("ARGS=\"--web.listen-address=127.0.0.1:9090\"", File.ReadAllText(Root.At("/etc/default/prometheus")).Trim());
        Assert.DoesNotContain("apt-get", run.Stdout, StringComparison.Ordinal);
        StackFiles.AssertInstalledOrReported(Root, run);
        await StackFiles.AssertPrometheusConfigValidAsync(Root);

        // The fixture's ClickHouse stands in for the packaged one on 8123 (flags win over the installed file).
        using var collector = await InstalledCollector.StartAsync(Root, "--clickhouse-url", clickHouse.Url.ToString().TrimEnd('/'), "--clickhouse-database", $"install_{Guid.NewGuid():N}");
        await collector.SendLogAsync();

        await collector.WaitForHealthAsync(h => h.GetProperty("clickhouse").GetProperty("rows_inserted").GetInt64() >= 1, "the event is stored in ClickHouse");
    }
}
