using System.Net;
using Collector.Tests.Infrastructure;

namespace Collector.Tests.Install;

/// <summary>What the installer refuses, how it handles keys, upgrades and undoes itself.</summary>
public sealed class InstallSafetyTests(PublishedRelease release) : InstallTest(release)
{
    [Theory]
    [InlineData("--listen", "0.0.0.0")]
    [InlineData("--listen", "::")]
    [InlineData("--listen", "0.0.0.0", "--tls-certificate", "/etc/collector/tls/collector.crt")]
    [InlineData("--mode", "remote")]
    [InlineData("--mode", "remote", "--upstream-url", "ftp://core:4317")]
    [InlineData("--mode", "everything")]
    public async Task Install_UnsafeOrIncomplete_RefusedBeforeWritingAnything(params string[] args)
    {
        var run = await Root.InstallAsync(args);

        Assert.True(run.ExitCode == 2, $"expected a refusal (exit 2), got {run.ExitCode}:\n{run.Output}");
        Assert.StartsWith("error: ", run.Stderr, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Root.Path));
    }

    [Fact]
    public async Task Install_BeyondLoopbackWithTls_KeysGeneratedNotPrintedAndRequired()
    {
        await Root.WriteTestCertificateAsync();

        var run = (await Root.InstallAsync("--listen", "0.0.0.0", "--tls-certificate", "/etc/collector/tls/collector.crt", "--tls-key", "/etc/collector/tls/collector.key"))
            .Succeeded("install --listen 0.0.0.0 with TLS");

        var settings = Root.Settings();
        Assert.Equal("https://0.0.0.0:4317", settings.GetProperty("GrpcUrl").GetString());
        Assert.Equal("/etc/collector/api-keys", settings.GetProperty("ApiKeysFile").GetString());
        var keysFile = Root.At("/etc/collector/api-keys");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, ScratchRoot.Mode(keysFile));
        var keys = File.ReadAllLines(keysFile).Where(l => !l.StartsWith('#')).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToDictionary(f => f[1], f => f[2]);
        Assert.Equal(["admin", "ingest", "query"], keys.Keys.Order(StringComparer.Ordinal));
        Assert.All(keys.Values, k => Assert.DoesNotContain(k, run.Output, StringComparison.Ordinal));

        using var collector = await InstalledCollector.StartAsync(Root);
        Assert.Equal(3, (await collector.HealthAsync()).GetProperty("security").GetProperty("api_keys").GetInt32());
        using var http = InstalledCollector.Client();
        using (var anonymous = await http.GetAsync(new Uri(collector.HttpUri, "/telemetry/status")))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(collector.HttpUri, "/telemetry/status"));
        request.Headers.Authorization = new("Bearer", keys["admin"]);
        using var status = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        await collector.SendLogAsync(keys["ingest"]);
    }

    [Fact]
    public async Task Upgrade_NewRelease_LinkMovesConfigAndDataStay()
    {
        (await Root.InstallAsync("--mode", "none")).Succeeded("install");
        var config = File.ReadAllText(Root.At("/etc/collector/collector.json"));
        File.WriteAllText(Root.At("/var/lib/collector/data/marker"), "kept");
        using var next = new TempDirectory("collector-next");
        var nextRelease = Path.Combine(next.Path, "release");
        (await CommandRun.RunAsync("cp", ["-a", Release.Path, nextRelease], TimeSpan.FromMinutes(1))).Succeeded("cp");
        File.WriteAllText(Path.Combine(nextRelease, "VERSION"), "99.0.0\n");

        var run = (await Root.InstallAsync("--upgrade", "--package", nextRelease)).Succeeded("install --upgrade");

        Assert.Equal("99.0.0", new FileInfo(Root.At("/opt/collector/current")).LinkTarget);
        Assert.True(File.Exists(Root.At($"/opt/collector/{Release.Version}/collector")), "the previous release stays for a rollback");
        Assert.Contains($"ln -sfn {Release.Version} /opt/collector/current", run.Stdout, StringComparison.Ordinal);
        Assert.Equal(config, File.ReadAllText(Root.At("/etc/collector/collector.json")));
        Assert.Equal("kept", File.ReadAllText(Root.At("/var/lib/collector/data/marker")));
    }

    [Fact]
    public async Task Uninstall_KeepsDataAndConfigUntilPurge()
    {
        (await Root.InstallAsync("--mode", "local", "--no-packages")).Succeeded("install");
        File.WriteAllText(Root.At("/var/lib/collector/data/marker"), "kept");

        (await Root.InstallAsync("--uninstall")).Succeeded("--uninstall");

        Assert.False(Directory.Exists(Root.At("/opt/collector")), "the release is gone");
        Assert.False(File.Exists(Root.At("/etc/systemd/system/collector.service")), "the unit is gone");
        Assert.False(File.Exists(Root.At("/etc/default/prometheus")), "the Prometheus defaults it wrote are gone");
        Assert.Equal("kept", File.ReadAllText(Root.At("/var/lib/collector/data/marker")));
        Assert.True(File.Exists(Root.At("/etc/collector/collector.json")), "the configuration stays");

        (await Root.InstallAsync("--mode", "none")).Succeeded("re-install");
        (await Root.InstallAsync("--uninstall", "--purge")).Succeeded("--uninstall --purge");

        Assert.False(Directory.Exists(Root.At("/var/lib/collector")), "--purge removes the data");
        Assert.False(Directory.Exists(Root.At("/etc/collector")), "--purge removes the configuration");
    }
}
