using Collector.Tests.Infrastructure;

namespace Collector.Tests.Install;

/// <summary>
/// The local profile with TLS and API keys: the installed Prometheus config presents the generated query key over
/// https, so the Prometheus it installs can scrape the collector it installs (checked with a real Prometheus on the
/// installed config, pointed at the installed collector), and Grafana's Collector API data source carries the key.
/// </summary>
public sealed class InstallLocalKeysTests(PublishedRelease release) : InstallTest(release)
{
    [Fact]
    public async Task Install_LocalWithTlsAndKeys_PrometheusScrapesWithTheQueryKey()
    {
        await Root.WriteTestCertificateAsync();

        var run = (await Root.InstallAsync("--mode", "local", "--no-packages", "--listen", "0.0.0.0", "--tls-certificate", "/etc/collector/tls/collector.crt", "--tls-key", "/etc/collector/tls/collector.key"))
            .Succeeded("install --mode local with TLS and keys");

        var query = File.ReadAllLines(Root.At("/etc/collector/api-keys")).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Single(f => f is [_, "query", _])[2];
        var scrapeKey = Root.At("/etc/prometheus/collector-query.key");
        Assert.Equal(query, File.ReadAllText(scrapeKey).Trim());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, ScratchRoot.Mode(scrapeKey));
        Assert.DoesNotContain(query, run.Output, StringComparison.Ordinal);
        var sources = Root.At("/etc/grafana/provisioning/datasources/collector.yml");
        Assert.Contains($"httpHeaderValue1: Bearer {query}", File.ReadAllText(sources), StringComparison.Ordinal);
        Assert.Contains("url: https://127.0.0.1:4318", File.ReadAllText(sources), StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, ScratchRoot.Mode(sources));
        var installed = File.ReadAllText(Root.At("/etc/prometheus/prometheus.yml"));
        Assert.Contains("credentials_file: /etc/prometheus/collector-query.key", installed, StringComparison.Ordinal);
        Assert.Contains("scheme: https", installed, StringComparison.Ordinal);

        // The installed config as it is, but for the two host paths a scratch root moves: the target and the key file.
        using var collector = await InstalledCollector.StartAsync(Root);
        var config = installed
            .Replace("127.0.0.1:4318", collector.HttpUri.Authority, StringComparison.Ordinal)
            .Replace("/etc/prometheus/collector-query.key", scrapeKey, StringComparison.Ordinal)
            .Replace("scrape_interval: 15s", "scrape_interval: 1s", StringComparison.Ordinal);
        using var prometheus = await PrometheusServer.StartWithConfigAsync(config, Root.At("/etc/prometheus"));
        await prometheus.WaitForValueAsync("up{job=\"collector\"}", 1, TimeSpan.FromSeconds(30));
        Assert.NotEmpty(await prometheus.QueryAsync("collector_uptime_seconds"));
    }
}
