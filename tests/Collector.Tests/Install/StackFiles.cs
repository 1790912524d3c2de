namespace Collector.Tests.Install;

/// <summary>
/// The local profile's bundle (Prometheus config and rules, Grafana provisioning and dashboards): written by another
/// part of the project, so each file is either installed as it is in the release or reported missing by the installer.
/// </summary>
internal static class StackFiles
{
    private const string Promtool = "/usr/bin/promtool";

    private static readonly (string Source, string Target)[] Files =
    [
        ("prometheus/prometheus.yml", "/etc/prometheus/prometheus.yml"),
        ("prometheus/collector-alerts.yml", "/etc/prometheus/collector-alerts.yml"),
        ("grafana/provisioning/datasources/collector.yml", "/etc/grafana/provisioning/datasources/collector.yml"),
        ("grafana/provisioning/dashboards/collector.yml", "/etc/grafana/provisioning/dashboards/collector.yml"),
    ];

    public static void AssertInstalledOrReported(ScratchRoot root, CommandRun run)
    {
        var deploy = Path.Combine(Infrastructure.RepoPaths.Root, "deploy");
        foreach (var (source, target) in Files)
        {
            var sourcePath = Path.Combine(deploy, source);
            if (File.Exists(sourcePath))
            {
                Assert.Equal(File.ReadAllText(sourcePath), File.ReadAllText(root.At(target)));
            }
            else
            {
                Assert.Contains($"deploy/{source} is not in this release; skipped", run.Stderr, StringComparison.Ordinal);
            }
        }

        var dashboards = Directory.Exists(Path.Combine(deploy, "grafana", "dashboards"))
            ? Directory.GetFiles(Path.Combine(deploy, "grafana", "dashboards"), "*.json")
            : [];
        foreach (var dashboard in dashboards)
        {
            Assert.Equal(File.ReadAllText(dashboard), File.ReadAllText(root.At("/var/lib/collector/grafana/dashboards/" + Path.GetFileName(dashboard))));
        }

        if (dashboards.Length == 0)
        {
            Assert.Contains("deploy/grafana/dashboards/*.json: none in this release", run.Stderr, StringComparison.Ordinal);
        }
    }

    /// <summary>promtool check config on the installed prometheus.yml (its rule file beside it), when both exist.</summary>
    public static async Task AssertPrometheusConfigValidAsync(ScratchRoot root)
    {
        var config = root.At("/etc/prometheus/prometheus.yml");
        if (!File.Exists(config) || !File.Exists(Promtool))
        {
            return;
        }

        (await CommandRun.RunAsync(Promtool, ["check", "config", config], TimeSpan.FromSeconds(60))).Succeeded("promtool check config " + config);
    }
}
